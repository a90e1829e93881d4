"""``jupyter studysession``: database upgrades, cleanup (for cron) and demo data.

The commands read the same configuration files as the server (``jupyter_server_config.*``),
so ``c.StudySessionApp.db_url`` set there applies here too.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from collections.abc import AsyncIterator

from jupyter_core.application import JupyterApp
from traitlets import Bool, Unicode

from . import __version__
from .app import Services, StudySessionApp
from .clock import Clock, FrozenClock
from .store import redact_url


class _Command(JupyterApp):
    """A subcommand that builds the extension's services from the server's configuration."""

    version = __version__
    config_file_name = "jupyter_server_config"
    classes = [StudySessionApp]

    db_url = Unicode("", config=True, help="Database URL (overrides StudySessionApp.db_url).")
    aliases = {"db-url": "_Command.db_url", "log-level": "Application.log_level"}

    def studysession_app(self) -> StudySessionApp:
        app = StudySessionApp(config=self.config, log=self.log)
        if self.db_url:
            app.db_url = self.db_url
        return app

    @contextlib.asynccontextmanager
    async def services(
        self, *, clock: Clock | None = None, ready: bool = True
    ) -> AsyncIterator[Services]:
        """The extension's services, closed when the block ends (with a Redis ``bus_url``,
        that includes the bus's and presence's Redis connections). With ``ready``, the bus is
        started and the database checked, as when the server starts, so the live events of
        what the command changes reach the tabs of running servers."""
        app = self.studysession_app()
        if clock is not None:
            app.clock = clock
        services = app.build_services()
        try:
            if ready:
                await services.bus.start()
                await services.store.open()
            yield services
        finally:
            await services.close()

    def start(self):
        # each subcommand defines ``async def run(self) -> int`` (the exit status)
        sys.exit(asyncio.run(self.run()))


class UpgradeCommand(_Command):
    name = "jupyter-studysession-db-upgrade"
    description = "Create the database, or upgrade it to this version's schema (Alembic)."
    aliases = {**_Command.aliases, "db-url": "UpgradeCommand.db_url"}

    async def run(self) -> int:
        async with self.services(ready=False) as services:
            store = services.store
            before = await store.current_revision()
            await store.upgrade()
            after = await store.current_revision()
        self.log.info("Database %s: %s -> %s", redact_url(store.url), before or "empty", after)
        return 0


class DbCommand(JupyterApp):
    name = "jupyter-studysession-db"
    description = "Manage the study-session database."
    subcommands = {"upgrade": (UpgradeCommand, UpgradeCommand.description)}

    def start(self):
        if self.subapp is None:
            self.print_subcommands()
            self.exit(1)
        return self.subapp.start()


class CleanupCommand(_Command):
    name = "jupyter-studysession-cleanup"
    description = "Delete abandoned scheduled sessions and end overdue active ones (for cron)."
    aliases = {**_Command.aliases, "db-url": "CleanupCommand.db_url"}

    async def run(self) -> int:
        async with self.services() as services:
            result = await services.sessions.cleanup()
        print(json.dumps(result.model_dump()))
        return 1 if result.failed else 0


class DemoDataCommand(_Command):
    name = "jupyter-studysession-demo-data"
    description = "Create a few users' worth of realistic sessions, through the managers."
    aliases = {**_Command.aliases, "db-url": "DemoDataCommand.db_url"}
    reset = Bool(False, config=True, help="Skip if the database already has sessions unless set.")
    flags = {"reset": ({"DemoDataCommand": {"reset": True}}, "Add demo data even if present.")}

    async def run(self) -> int:
        from .demo import create_demo_data

        async with self.services(clock=FrozenClock()) as services:
            created = await create_demo_data(services, force=self.reset)
        self.log.info("Demo data: %s", created or "already present (use --reset to add more)")
        return 0


class StudySessionCommand(JupyterApp):
    name = "jupyter-studysession"
    version = __version__
    description = "Manage jupyter-studysession: database, cleanup, demo data."
    subcommands = {
        "db": (DbCommand, DbCommand.description),
        "cleanup": (CleanupCommand, CleanupCommand.description),
        "demo-data": (DemoDataCommand, DemoDataCommand.description),
    }

    def start(self):
        if self.subapp is None:
            self.print_subcommands()
            self.exit(1)
        return self.subapp.start()


main = StudySessionCommand.launch_instance

if __name__ == "__main__":
    main()

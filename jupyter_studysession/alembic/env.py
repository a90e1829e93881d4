"""Alembic environment: run migrations on the connection the Store hands over, or, for
``alembic`` used directly by a developer, on a new connection to ``sqlalchemy.url``."""

import asyncio

from alembic import context
from sqlalchemy.ext.asyncio import create_async_engine

from jupyter_studysession.orm import Base

target_metadata = Base.metadata


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_with_new_engine() -> None:
    engine = create_async_engine(context.config.get_main_option("sqlalchemy.url"))
    async with engine.connect() as conn:
        await conn.run_sync(_run)
        await conn.commit()
    await engine.dispose()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    asyncio.run(_run_with_new_engine())

"""A course on JupyterHub with jupyter-studysession: one study service, every student's own server.

Tested by tests/hub/ and run by ``./scripts/hub``. Who talks to whom, and why each scope is
needed, is in docs/hub.md. Copy it and replace the parts marked DEMO (the authenticator, the
spawner, the users) with your course's own.

- The **study service** (``study``): ``jupyterhub-singleuser`` with this package, hub OAuth
  identity, the course's database, and ``StudyServiceAuthorizer``: visitors get the study API
  and nothing else (no kernels, terminals or files of the service's account).
- Every **student's own server** forwards its Study panel, notebook widgets and Python client
  to the service with its own hub token (``JUPYTER_STUDYSESSION_SERVICE_URL``); the service
  asks the hub whose token it is.
- **Roles** from hub groups (``instructors``, ``tas``); **shares** of a session host's server to
  its participants while the session is active (JupyterHub 5+).

Settings from the environment (all optional; ``./scripts/hub`` and the tests set them):
``STUDYHUB_DIR`` (state: hub database, homes, the service's database; default ``./.hub``),
``STUDYHUB_PORT`` (8000), ``STUDYHUB_HUB_PORT`` (8081), ``STUDYHUB_PROXY_API_PORT`` (8001),
``STUDYHUB_SERVICE_PORT`` (10101), ``STUDYHUB_DB_URL`` (the service's database; default a SQLite
file in ``STUDYHUB_DIR``), ``STUDYHUB_ROLE_CACHE_SECONDS`` (60), ``STUDYHUB_AUTH_CACHE_SECONDS``
(10), ``STUDYHUB_SHARE_SYNC_SECONDS`` (60), ``STUDYHUB_ROSTER_SECONDS`` (300).
"""

import os
import sys
from pathlib import Path

import jupyterhub

c = get_config()  # noqa: F821

here = Path(__file__).resolve().parent
state = Path(os.environ.get("STUDYHUB_DIR", ".hub")).resolve()
state.mkdir(parents=True, exist_ok=True)
port = int(os.environ.get("STUDYHUB_PORT", "8000"))
service_port = int(os.environ.get("STUDYHUB_SERVICE_PORT", "10101"))
service_url = f"http://127.0.0.1:{service_port}"
as_root = ["--allow-root"] if os.geteuid() == 0 else []

# -- the hub and its proxy ------------------------------------------------------------------

c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = port
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(os.environ.get("STUDYHUB_HUB_PORT", "8081"))
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(state / "jupyterhub.pid")
c.ConfigurableHTTPProxy.api_url = (
    f"http://127.0.0.1:{int(os.environ.get('STUDYHUB_PROXY_API_PORT', '8001'))}"
)
c.ConfigurableHTTPProxy.pid_file = str(state / "proxy.pid")
# configurable-http-proxy from npm, installed by scripts/setup.sh into jupyter-config/hub/
c.ConfigurableHTTPProxy.command = [
    str(here / "hub" / "node_modules" / ".bin" / "configurable-http-proxy")
]

# -- who logs in (DEMO: any password; use your course's authenticator) ---------------------

c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allowed_users = {"alice", "bob", "carol", "dave", "tina", "prof"}
c.Authenticator.admin_users = {"prof"}

# -- everyone's own server (DEMO: local processes, no system users; use your spawner) ------

c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = str(state / "homes" / "{username}")
c.Spawner.cmd = [sys.executable, "-m", "jupyterhub.singleuser"]
c.Spawner.default_url = "/lab"
# generous on a busy machine (the defaults are 60 and 30 s)
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.Spawner.args = [
    *as_root,
    # how long a server trusts the hub's answer about a visitor's token: a revoked share stops
    # working on the host's server within this time (JupyterHub's default is 300 s; 0 would
    # mean forever)
    f"--HubOAuth.cache_max_age={int(os.environ.get('STUDYHUB_AUTH_CACHE_SECONDS', '10'))}",
]
c.Spawner.environment = {
    # the Study panel, the widgets and the Python client go to the course's study service
    "JUPYTER_STUDYSESSION_SERVICE_URL": f"{service_url}/services/study/",
}
# the server's own token ($JUPYTERHUB_API_TOKEN) may reach the study service, as its owner
c.Spawner.server_token_scopes = [
    "users:activity!user",
    "access:servers!server",
    "access:services!service=study",
]

# -- the study service ------------------------------------------------------------------------

service_env = {
    "JUPYTER_STUDYSESSION_DB_URL": os.environ.get(
        "STUDYHUB_DB_URL", f"sqlite+aiosqlite:///{state / 'study' / 'studysession.sqlite'}"
    ),
    "STUDYHUB_ROLE_CACHE_SECONDS": os.environ.get("STUDYHUB_ROLE_CACHE_SECONDS", "60"),
    "STUDYHUB_SHARE_SYNC_SECONDS": os.environ.get("STUDYHUB_SHARE_SYNC_SECONDS", "60"),
    "STUDYHUB_ROSTER_SECONDS": os.environ.get("STUDYHUB_ROSTER_SECONDS", "300"),
}
(state / "study").mkdir(exist_ok=True)
c.JupyterHub.services = [
    {
        "name": "study",
        "url": service_url,
        "command": [
            sys.executable,
            "-m",
            "jupyterhub.singleuser",
            f"--config={here / 'study_service_config.py'}",
            f"--ServerApp.root_dir={state / 'study'}",
            *as_root,
        ],
        "environment": service_env,
        "oauth_no_confirm": True,
    }
]
if jupyterhub.version_info >= (6,):
    # how long the hub waits for the service to answer at start-up (30 s by default; the
    # service loads JupyterLab's server extensions too, slow on a busy machine)
    c.JupyterHub.services[0]["timeout"] = 120

c.JupyterHub.load_roles = [
    # every user may use the study service (their browser, and their server's token)
    {"name": "user", "scopes": ["self", "access:services!service=study"]},
    {
        "name": "study-service",
        "services": ["study"],
        "scopes": [
            "read:users:groups",  # course roles from hub groups
            "read:users:name",  # share a host's server with a participant, by name
            "list:users",  # invite hub users before their first visit (hub/roster.py)
            "shares",  # grant and revoke those shares (includes access:servers)
        ],
    },
]

c.JupyterHub.load_groups = {
    "instructors": {"users": ["prof"]},
    "tas": {"users": ["tina"]},
}

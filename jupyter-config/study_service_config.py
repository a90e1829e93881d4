"""The study service's own Jupyter server config (``jupyterhub-singleuser --config=...``).

Used by jupyter-config/jupyterhub_config.py; see docs/hub.md. The database URL comes from
``$JUPYTER_STUDYSESSION_DB_URL``, which the hub passes to the service (never to students).
"""

import os

c = get_config()  # noqa: F821

# Visitors get the study-session API, websocket and CRDT rooms, and nothing else: no kernels,
# terminals, files, sessions... of the service's account (which holds the database credentials
# and the service's hub token). Service admins keep the whole server (for the analytics
# notebooks next to the database).
c.ServerApp.authorizer_class = "jupyter_studysession.hub.authorizer.StudyServiceAuthorizer"
c.StudyServiceAuthorizer.admin_users = {"prof"}
c.ServerApp.terminals_enabled = False

# Course roles from hub groups, asked with the service's token, remembered for a minute.
c.StudySessionApp.role_provider_class = "jupyter_studysession.identity.HubGroupsRoleProvider"
c.HubGroupsRoleProvider.instructor_groups = {"instructors"}
c.HubGroupsRoleProvider.ta_groups = {"tas"}
c.HubGroupsRoleProvider.cache_seconds = float(os.environ.get("STUDYHUB_ROLE_CACHE_SECONDS", "60"))

# Share a session host's server with its joined participants while it is active (JupyterHub 5+).
c.HubShares.enabled = True
c.HubShares.sync_interval_seconds = float(os.environ.get("STUDYHUB_SHARE_SYNC_SECONDS", "60"))

# Hub users can be invited before their first visit: the service lists them every 5 minutes.
c.HubRoster.interval_seconds = float(os.environ.get("STUDYHUB_ROSTER_SECONDS", "300"))

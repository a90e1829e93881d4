"""Example: a course study server on JupyterHub, run as a hub-managed service.

One ``jupyterhub-singleuser`` process serves the whole course at ``/services/study/``; the hub
authenticates every user (OAuth), so each student is a distinct participant. Instructors and
TAs come from hub groups. Copy and adapt; see the README's "Deploying for a course" section.
"""

c = get_config()  # noqa: F821

c.JupyterHub.services = [
    {
        "name": "study",
        "url": "http://127.0.0.1:10101",
        "command": [
            "jupyterhub-singleuser",
            "--config=/etc/studysession/jupyter_server_config.py",
        ],
        # skip the "authorize access" page; it is the course's own service
        "oauth_no_confirm": True,
        # let the study server read each visitor's own groups (for HubGroupsRoleProvider)
        "oauth_client_allowed_scopes": ["read:users:groups!user"],
    }
]

c.JupyterHub.load_roles = [
    # every user may use the study service
    {"name": "user", "scopes": ["self", "access:services!service=study"]},
]

c.JupyterHub.load_groups = {
    "instructors": {"users": ["prof"]},
    "tas": {"users": ["tina"]},
}

# --- /etc/studysession/jupyter_server_config.py (the service's own config) ---------------
#
# c.ServerApp.root_dir = "/srv/study"
# c.StudySessionApp.db_url = "postgresql+asyncpg://study@127.0.0.1/study"
# c.StudySessionApp.role_provider_class = "jupyter_studysession.identity.HubGroupsRoleProvider"
# c.HubGroupsRoleProvider.instructor_groups = {"instructors"}
# c.HubGroupsRoleProvider.ta_groups = {"tas"}
# c.StudySessionApp.cleanup_interval_seconds = 0   # when cron runs `jupyter studysession cleanup`

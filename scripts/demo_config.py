"""Configuration of the demo server started by ``scripts/run`` (not for production)."""

c = get_config()  # noqa: F821 (provided by Jupyter when it loads this file)

DEMO_USERS = {
    "alice": "Alice Chen",
    "bob": "Bob Okafor",
    "carol": "Carol Díaz",
    "dave": "Dave Kim",
    "prof": "Professor Plum",
    "tina": "Tina Tran",
}

# one login token per demo user, so two browsers are two people
c.ServerApp.identity_provider_class = "jupyter_studysession.tokens.UserTokensIdentityProvider"
c.UserTokensIdentityProvider.user_tokens = {f"{name}-token": name for name in DEMO_USERS}
c.UserTokensIdentityProvider.display_names = DEMO_USERS
c.ServerApp.allow_unauthenticated_access = False

c.StudySessionApp.instructors = {"prof"}
c.StudySessionApp.tas = {"tina"}

# a server several people use: each demo user gets their own JupyterLab layout and settings
c.StudySessionApp.lab_state_per_user = True
# a quiet demo: no news, no update check, nothing fetched from outside (scripts/run also sets
# JupyterLab's default not to ask about news)
c.LabApp.news_url = None
c.LabApp.check_for_updates_class = "jupyterlab.NeverCheckForUpdate"

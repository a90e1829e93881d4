"""JupyterHub integration: one study service for a course, reached from every student's server.

- :mod:`.authorizer`: the study service grants visitors the study-session API and nothing else.
- :mod:`.api`: the hub's REST API, called with the study service's own token.
- :mod:`.forward`: on a student's single-user server, the study API is forwarded to the
  service with that server's hub token (so the hub proves who the student is).
- :mod:`.shares`: JupyterHub 5 shares of a session host's server to its participants.

The deployment (roles, scopes, config) is described in ``docs/hub.md``.
"""

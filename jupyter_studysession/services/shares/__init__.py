"""JupyterHub shares of a session host's server, for the session's study notebook."""

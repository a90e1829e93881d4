"""The study service's Authorizer: visitors get the study-session API and nothing else.

The study service is a Jupyter server run as a hub-managed service, under the service's
account, holding its database credentials and its hub token. JupyterHub lets every user with
``access:services!service=study`` past its identity provider, and Jupyter Server's default
Authorizer then allows every action on every resource: kernels, terminals, contents. With
this Authorizer a visitor may use the handlers whose ``auth_resource`` is ``studysession``
(the REST API, the realtime websocket, the CRDT rooms) and is refused (403) everything else;
only the configured ``admin_users`` keep the whole server::

    c.ServerApp.authorizer_class = "jupyter_studysession.hub.authorizer.StudyServiceAuthorizer"
    c.StudyServiceAuthorizer.admin_users = {"prof"}
    c.ServerApp.terminals_enabled = False   # belt and braces: no terminals at all
"""

from __future__ import annotations

from jupyter_server.auth import Authorizer
from traitlets import Set, Unicode

from ..services.base import AUTH_RESOURCE


class StudyServiceAuthorizer(Authorizer):
    """Allows the ``studysession`` resource to every authenticated visitor, and every other
    resource (kernels, terminals, contents, sessions, kernelspecs, config, nbconvert, events,
    the server's own API, ...) only to ``admin_users``."""

    admin_users = Set(
        Unicode(),
        config=True,
        help="""Hub usernames allowed everything on the study service (its files, kernels and
        terminals), for example to run the analytics notebooks next to the database. Keep it
        short: they act as the service's account.""",
    )

    allowed_resources = Set(
        Unicode(),
        default_value={AUTH_RESOURCE},
        config=True,
        help="""Resources every visitor may use. Only the study-session API by default; add
        one only if you know what its handlers expose.""",
    )

    def is_authorized(self, handler, user, action: str, resource: str) -> bool:
        if user.username in self.admin_users:
            return True
        allowed = resource in self.allowed_resources
        if not allowed:
            self.log.info(
                "Study service: refused %s %s to %s (not a service admin)",
                action,
                resource,
                user.username,
            )
        return allowed

"""The base of every REST handler: identity, input parsing, output, and errors in one place."""

from __future__ import annotations

import json
from dataclasses import dataclass
from http.client import responses
from typing import Any, TypeVar

from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from pydantic import BaseModel, ValidationError
from tornado import web

from ..exceptions import InvalidInput, RateLimited, StudySessionError, outage
from ..idempotency import HEADER, parse_key
from ..identity import Identity, identity_for
from ..jsoninput import needs_body, read_json, validate
from ..looplag import doing

M = TypeVar("M", bound=BaseModel)

AUTH_RESOURCE = "studysession"
"""The resource name given to the Jupyter authorizer (``@authorized``) by every handler."""

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
MAX_BODY_BYTES = 1024 * 1024
"""The largest JSON body a request may have (413 ``too_large`` beyond)."""


@dataclass(frozen=True)
class Operation:
    """What a handler verb takes and returns; the OpenAPI document is generated from these."""

    summary: str
    response: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    status: int = 200
    content_type: str = "application/json"
    idempotent: bool = False
    """Takes an ``Idempotency-Key`` header (see :mod:`~jupyter_studysession.idempotency`)."""


class StudySessionHandler(ExtensionHandlerMixin, APIHandler):
    """Handlers are thin: parse, authorise, call one manager method, serialise."""

    auth_resource = AUTH_RESOURCE
    openapi: dict[str, Operation] = {}

    @property
    def services(self):
        """The managers built by :class:`~jupyter_studysession.app.StudySessionApp`."""
        return self.settings["studysession"]

    async def prepare(self):
        doing(f"{self.request.method} {type(self).__name__}")
        await super().prepare()
        for value in [*self.path_kwargs.values(), *self.path_args]:
            if "\x00" in value:
                raise InvalidInput("The URL contains a NUL character.")
        await self.services.open()
        if self.current_user:
            self._actor = await identity_for(self.current_user, self.services.role_provider)
        if self.request.method in WRITE_METHODS and self.current_user:
            self.services.limiter.hit(
                "write", self.current_user.username, self.services.write_limit
            )

    @property
    def actor(self) -> Identity:
        """The current user as this package sees them (course role included), resolved once
        per request in :meth:`prepare`."""
        return self._actor

    # -- input ---------------------------------------------------------------------------

    def parse_body(self, model: type[M]) -> M:
        """The JSON body as ``model``: size, syntax, nesting and characters checked first,
        then strict types (see :mod:`~jupyter_studysession.jsoninput`). An empty body is a
        400 ``missing_body`` when the model has required fields, ``{}`` otherwise."""
        body = self.request.body or b""
        if not body.strip():
            if needs_body(model):
                raise InvalidInput("This request needs a JSON body.", "missing_body")
            body = b"{}"
        data = read_json(
            body, max_bytes=MAX_BODY_BYTES, reason="invalid_json", what="The request body"
        )
        if not isinstance(data, dict):
            raise InvalidInput("The request body must be a JSON object.", "invalid_json")
        return validate(model, body)

    def idempotency_key(self) -> str | None:
        """The request's ``Idempotency-Key`` header, checked (400 if malformed)."""
        return parse_key(self.request.headers.get(HEADER))

    def parse_query(self, model: type[M]) -> M:
        data: dict[str, Any] = {}
        for name, values in self.request.query_arguments.items():
            if name in ("token", "_xsrf") or name.isdigit():
                continue  # auth parameters, and the cache-buster JupyterLab's client appends
            data[name] = values[-1].decode("utf-8", "replace")
            if "\x00" in data[name]:
                raise InvalidInput(f"{name}: must not contain a NUL character")
        try:
            return model.model_validate(data)
        except ValidationError as err:
            raise InvalidInput.from_validation(err) from err

    # -- output --------------------------------------------------------------------------

    def respond(self, model: BaseModel, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(model.model_dump_json())

    # -- errors --------------------------------------------------------------------------

    def send_error(self, status_code: int = 500, **kwargs: Any) -> None:
        exc_info = kwargs.get("exc_info")
        if exc_info and (down := outage(exc_info[1])) is not None:
            # Redis or the database away (a presence read, say): a 503 with a reason
            kwargs["exc_info"] = (type(down), down, exc_info[2])
            exc_info = kwargs["exc_info"]
        if exc_info and isinstance(exc_info[1], StudySessionError):
            status_code = exc_info[1].status
        super().send_error(status_code, **kwargs)

    def log_exception(self, typ, value, tb) -> None:
        value = outage(value) or value
        if isinstance(value, StudySessionError):
            self.log.info(
                "%s %s -> %s %s", self.request.method, self.request.path, value.status, value.reason
            )
            return
        super().log_exception(typ, value, tb)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Every error body is ``{"message", "reason"}``, for people and for the client, with
        the error's details, if any (such as ``opens_at``)."""
        error = (kwargs.get("exc_info") or (None, None, None))[1]
        if isinstance(error, StudySessionError):
            reply = {"message": error.message, "reason": error.reason, **error.json_details()}
            if isinstance(error, RateLimited):
                self.set_header("Retry-After", str(error.retry_after))
        elif isinstance(error, web.HTTPError):
            reply = {
                "message": error.log_message or responses.get(status_code, "Error"),
                "reason": (error.reason or responses.get(status_code, "error"))
                .lower()
                .replace(" ", "_"),
            }
        else:
            reply = {
                "message": "Internal server error; the server log has the details.",
                "reason": "internal_error",
            }
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(reply))

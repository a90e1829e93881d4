"""The OpenAPI 3.1 document, generated from the registered handlers and their models.

Each handler class declares an :class:`~.base.Operation` per verb in ``openapi``; routes come
from the same ``default_handlers`` lists the server registers, so the document cannot drift
from what is served (a test checks that every route and verb is documented).
"""

from __future__ import annotations

import re

from jupyter_server.auth.decorator import allow_unauthenticated
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from .. import __version__, idempotency
from ..jsoninput import needs_body
from .base import Operation, StudySessionHandler

ERROR_SCHEMA = {
    "type": "object",
    "required": ["message", "reason"],
    "properties": {"message": {"type": "string"}, "reason": {"type": "string"}},
}
ERRORS = {
    "400": "Invalid input; the message names the field",
    "403": "Not authenticated, or not allowed",
    "404": "Not found (or not visible to you)",
    "409": "Conflicts with the current state",
    "413": "The request body is too large",
    "429": "Rate limited; see Retry-After",
    "503": "Unavailable for now (the database is not ready, or Redis cannot be reached); "
    "try again shortly",
}


def openapi_path(pattern: str) -> str:
    return re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", pattern).replace("\\", "")


def build_openapi(handlers: list[tuple]) -> dict:
    operations: list[tuple[str, str, Operation]] = []
    for pattern, handler, *_ in handlers:
        for method, operation in getattr(handler, "openapi", {}).items():
            operations.append((openapi_path(pattern), method, operation))
    models: set[type[BaseModel]] = set()
    for *_, op in operations:
        models.update(m for m in (op.response, op.body, op.query) if m is not None)
    ordered = sorted(models, key=lambda m: m.__name__)
    _, schema = models_json_schema(
        [(m, "validation") for m in ordered], ref_template="#/components/schemas/{model}"
    )
    components = dict(schema.get("$defs", {}))
    components["Error"] = ERROR_SCHEMA

    paths: dict[str, dict] = {}
    for path, method, op in operations:
        entry: dict = {"summary": op.summary, "parameters": [], "responses": {}}
        for name in re.findall(r"{(\w+)}", path):
            entry["parameters"].append(
                {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            )
        if op.query is not None:
            for field_name, field in op.query.model_fields.items():
                name = field.alias or field_name  # ``from_`` is sent as ``from``
                entry["parameters"].append(
                    {
                        "name": name,
                        "in": "query",
                        "required": field.is_required(),
                        "schema": components[op.query.__name__]["properties"][name],
                    }
                )
        if op.idempotent:
            entry["parameters"].append(
                {
                    "name": idempotency.HEADER,
                    "in": "header",
                    "required": False,
                    "description": idempotency.DESCRIPTION,
                    "schema": idempotency.SCHEMA,
                }
            )
        if op.body is not None:
            entry["requestBody"] = {
                "required": needs_body(op.body),
                "content": {
                    "application/json": {
                        "schema": {"$ref": f"#/components/schemas/{op.body.__name__}"}
                    }
                },
            }
        ok: dict = {"description": "OK"}
        if op.response is not None:
            ok["content"] = {
                op.content_type: {
                    "schema": {"$ref": f"#/components/schemas/{op.response.__name__}"}
                }
            }
        elif op.content_type != "application/json":
            ok["content"] = {op.content_type: {"schema": {"type": "string"}}}
        entry["responses"][str(op.status)] = ok
        for status, description in ERRORS.items():
            entry["responses"][status] = {
                "description": description,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
        paths.setdefault(path, {})[method] = entry
    return {
        "openapi": "3.1.0",
        "info": {"title": "jupyter-studysession", "version": __version__},
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "jupyterToken": {"type": "apiKey", "in": "header", "name": "Authorization"}
            },
        },
        "security": [{"jupyterToken": []}],
    }


class OpenAPIHandler(StudySessionHandler):
    """Public, like any API description: it says what the API takes, and nothing about its
    data (``auth_resource`` checks do not apply to it)."""

    openapi = {"get": Operation("This document (OpenAPI 3.1); no login needed")}

    @allow_unauthenticated
    async def get(self):
        self.set_header("Content-Type", "application/json")
        self.finish(build_openapi(self.services.handlers))


default_handlers = [(r"/studysession/api/openapi.json", OpenAPIHandler)]

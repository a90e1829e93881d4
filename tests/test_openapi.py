"""The OpenAPI document: valid, complete (every served route and verb), self-contained."""

from __future__ import annotations

from tornado import web

from jupyter_studysession.models import CleanupResult, DescribeMe
from jupyter_studysession.services.base import Operation, StudySessionHandler
from jupyter_studysession.services.openapi import build_openapi, openapi_path

VERBS = ("get", "post", "put", "patch", "delete")
SCHEMAS = "#/components/schemas/"


def served(handlers: list[tuple]) -> set[tuple[str, str]]:
    """(path, verb) for every verb a handler implements (not tornado's 405 default)."""
    return {
        (openapi_path(pattern), verb)
        for pattern, handler, *_ in handlers
        for verb in VERBS
        if getattr(handler, verb) is not getattr(web.RequestHandler, verb)
    }


def documented(document: dict) -> set[tuple[str, str]]:
    return {(path, verb) for path, item in document["paths"].items() for verb in item}


def refs(node) -> list[str]:
    """Every ``$ref`` anywhere in ``node``."""
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for value in node.values() for r in refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in refs(value)]
    return []


async def served_document(ss_fetch) -> dict:
    reply = await ss_fetch("alice", "openapi.json")
    assert reply.status == 200, reply.body
    return reply.body


async def test_openapi_json_should_be_an_openapi_3_1_document(ss_fetch):
    document = await served_document(ss_fetch)
    assert document["openapi"] == "3.1.0"
    assert document["info"]["title"] == "jupyter-studysession"


async def test_every_served_route_and_verb_should_be_documented(ss_fetch, ss_app):
    document = await served_document(ss_fetch)
    routes = served(ss_app.services.handlers)
    assert ("/studysession/api/sessions/{session_id}", "delete") in routes  # not vacuous
    assert routes - documented(document) == set(), "served but not documented"
    assert documented(document) - routes == set(), "documented but not served"


def test_the_check_should_catch_a_route_or_verb_without_an_operation():
    class HalfDocumented(StudySessionHandler):
        openapi = {"get": Operation("Documented", DescribeMe)}

        async def get(self):
            pass

        async def post(self):  # no Operation
            pass

    class Undocumented(StudySessionHandler):
        async def delete(self, thing_id):
            pass

    class Documented(StudySessionHandler):
        openapi = {"post": Operation("Documented", CleanupResult)}

        async def post(self):
            pass

    handlers = [
        (r"/x", HalfDocumented),
        (r"/x/(?P<thing_id>[^/]+)", Undocumented),
        (r"/y", Documented),
    ]
    document = build_openapi(handlers)
    assert "/x/{thing_id}" not in document["paths"]
    assert served(handlers) - documented(document) == {("/x", "post"), ("/x/{thing_id}", "delete")}


async def test_every_ref_should_name_a_component_schema(ss_fetch):
    document = await served_document(ss_fetch)
    schemas = document["components"]["schemas"]
    found = refs(document)
    assert found, "no $ref at all: the check would be vacuous"
    dangling = {r for r in found if not (r.startswith(SCHEMAS) and r[len(SCHEMAS) :] in schemas)}
    assert dangling == set()


async def test_document_should_pass_the_openapi_spec_validator(ss_fetch):
    from openapi_spec_validator import validate

    validate(await served_document(ss_fetch))

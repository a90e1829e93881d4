"""The README stays true: every configurable trait and every route is documented."""

from pathlib import Path

from jupyter_studysession.app import StudySessionApp
from jupyter_studysession.services.openapi import openapi_path

README = (Path(__file__).parent.parent / "README.md").read_text()


def test_readme_documents_every_trait():
    traits = [
        name
        for name, trait in StudySessionApp.class_traits(config=True).items()
        if trait.this_class is StudySessionApp
    ]
    missing = [t for t in traits if f"c.StudySessionApp.{t}" not in README]
    assert not missing


def test_readme_documents_every_route(ss_app):
    prefix = "/studysession/api"
    paths = {openapi_path(pattern)[len(prefix) :] for pattern, *_ in ss_app.services.handlers}
    missing = [
        p
        for p in paths
        if p.replace("{session_id}", "{id}").replace("{link_id}", "{link}") not in README
    ]
    assert not missing

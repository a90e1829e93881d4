"""``docs/analytics.md`` shows every frame's schema exactly as the code defines it."""

from pathlib import Path

import pytest

from jupyter_studysession.analytics import measures
from jupyter_studysession.analytics import schema as schemas

DOC = (Path(__file__).parent.parent.parent / "docs" / "analytics.md").read_text()


@pytest.mark.parametrize("table", [*schemas.ALL, *measures.SCHEMAS], ids=lambda s: s.name)
def test_the_docs_show_each_schema_as_defined(table):
    assert table.markdown() in DOC


def test_each_loader_docstring_ends_with_its_schema():
    from jupyter_studysession.analytics.loaders import LOADERS

    for name, loader in LOADERS.items():
        assert loader.__doc__.rstrip().endswith(loader.schema.markdown()), name
        assert loader.schema.name == name

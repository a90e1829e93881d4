"""The notebook widgets' Python side: what they accept and what they sync to the front end."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from jupyter_studysession.widgets import OfficeHoursQueue, StudyRoom
from jupyter_studysession.widgets.panels import CSS, ESM


def test_study_room_should_take_an_id_a_client_model_or_a_dict():
    assert StudyRoom("s1").session_id == "s1"
    assert StudyRoom(" s2 ").session_id == "s2"
    assert StudyRoom(SimpleNamespace(id="s3", title="from the client")).session_id == "s3"
    assert StudyRoom({"id": "s4", "title": "from client.request"}).session_id == "s4"
    assert OfficeHoursQueue(SimpleNamespace(id="oh1")).officehours_id == "oh1"
    assert repr(StudyRoom("s1")) == "StudyRoom(session_id='s1')"


@pytest.mark.parametrize("value", ["", "   ", None, 42, {"title": "no id"}])
def test_widgets_should_refuse_what_is_not_an_id(value):
    with pytest.raises(TypeError, match="Give the session as its id"):
        StudyRoom(value)
    with pytest.raises(TypeError, match="Give the office hours as its id"):
        OfficeHoursQueue(value)


def test_the_front_end_should_get_the_view_the_id_and_the_built_module():
    assert ESM.is_file(), "the widget bundle is built by `jlpm build` (and pip install)"
    room = StudyRoom("s1").get_state()
    assert (room["_view"], room["session_id"]) == ("room", "s1")
    assert room["_esm"] == ESM.read_text()
    assert room["_css"] == CSS.read_text()
    queue = OfficeHoursQueue("oh1").get_state()
    assert (queue["_view"], queue["officehours_id"]) == ("officehours", "oh1")
    assert queue["_esm"] == room["_esm"]  # one module draws both

"""The notebook widgets: a few synced traits and the ES module that draws them."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import anywidget
import traitlets

STATIC = Path(__file__).parent / "static"
ESM = STATIC / "widget.js"
CSS = STATIC / "widget.css"

NOT_BUILT_ESM = """
export default {
  render({ el }) {
    const message = document.createElement("p");
    message.setAttribute("role", "alert");
    message.textContent =
      "The study session widgets' front end is missing from this installation of " +
      "jupyter-studysession. Reinstall it (pip install jupyter-studysession), or in a " +
      "source checkout build it with `jlpm build` in labextension/.";
    el.appendChild(message);
  }
};
"""


def resource_id(value: object, what: str) -> str:
    """The id of a session or office hours given as an id, a model from
    :class:`~jupyter_studysession.client.StudySessionClient` or a dict with an ``"id"``."""
    if isinstance(value, Mapping):
        value = value.get("id")
    elif not isinstance(value, str):
        value = getattr(value, "id", value)
    if not isinstance(value, str) or not value.strip():
        raise TypeError(
            f"Give the {what} as its id (a non-empty string) or as the {what} returned by "
            f"StudySessionClient, not {value!r}."
        )
    return value.strip()


class StudySessionWidget(anywidget.AnyWidget):
    """The base of the study session widgets: one front-end module draws every ``_view``."""

    _esm = ESM if ESM.is_file() else NOT_BUILT_ESM
    _css = CSS if CSS.is_file() else ""
    _view = traitlets.Unicode(help="Which view the front end draws.").tag(sync=True)


class StudyRoom(StudySessionWidget):
    """A study session's room in a notebook: its participants, chat, goals and shared timer,
    live, as the user of the browser that shows it (who may need to join first).

    :param session: the session's id, or the session from :class:`StudySessionClient`
    """

    _view = traitlets.Unicode("room").tag(sync=True)
    session_id = traitlets.Unicode(help="The session shown.").tag(sync=True)

    def __init__(self, session: object, **kwargs: object) -> None:
        super().__init__(session_id=resource_id(session, "session"), **kwargs)

    def __repr__(self) -> str:
        return f"StudyRoom(session_id={self.session_id!r})"


class OfficeHoursQueue(StudySessionWidget):
    """An office hours' help queue in a notebook: students join with a question and see
    their position and wait; instructors and TAs see the queue and admit people. A
    student's room opens in the widget when it is their turn.

    :param officehours: the office hours' id, or the office hours from
        :class:`StudySessionClient`
    """

    _view = traitlets.Unicode("officehours").tag(sync=True)
    officehours_id = traitlets.Unicode(help="The office hours shown.").tag(sync=True)

    def __init__(self, officehours: object, **kwargs: object) -> None:
        super().__init__(officehours_id=resource_id(officehours, "office hours"), **kwargs)

    def __repr__(self) -> str:
        return f"OfficeHoursQueue(officehours_id={self.officehours_id!r})"

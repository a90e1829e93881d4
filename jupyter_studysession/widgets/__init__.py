"""Study session panels inside a notebook (anywidget, ipywidgets 8)::

    from jupyter_studysession.widgets import OfficeHoursQueue, StudyRoom

    StudyRoom("3f2a...")  # a session's chat, goals, participants and shared timer
    OfficeHoursQueue(officehours_id)  # the help queue: the student or the staff view

They draw the same components as the JupyterLab panels. Their front end (built from
``labextension/src/widget/``) talks to the Jupyter server directly, as the logged-in browser
user, over the tab's one realtime connection: messages never pass through the kernel.
"""

from .panels import OfficeHoursQueue, StudyRoom

__all__ = ["OfficeHoursQueue", "StudyRoom"]

"""A demo course with ground truth: ``jupyter studysession demo-data --students 200 --weeks 6
--seed 1 --ground-truth truth.json``.

Three steps, each in its own module:

1. :func:`plan_course` (:mod:`.plan`, :mod:`.queue`) decides, deterministically for a seed, who
   does what and when: an instructor, two TAs and the students; a recurring review session,
   sessions students schedule (held, cancelled, abandoned, never ended), study groups meeting
   every week, office hours with a help queue; joins and leaves, tabs (two at once, a network
   drop within the grace period, a long break), chat, goals, the shared timer.
2. :func:`create_demo_course` (:mod:`.run`) plays the plan through the managers on a frozen
   clock, as the people and the server's background jobs would; nothing is written with SQL.
3. :func:`ground_truth` (:mod:`.truth`) computes, from the plan, what the server should have
   recorded: minutes present per student and session, waits per queue entry, counts.

The small named demo of ``./scripts/run`` is :mod:`jupyter_studysession.demo`.
"""

from .model import TIMEZONE, CoursePlan, default_start, present_intervals
from .plan import plan_course
from .run import create_demo_course
from .truth import DEFINITIONS, ground_truth

__all__ = [
    "DEFINITIONS",
    "TIMEZONE",
    "CoursePlan",
    "create_demo_course",
    "default_start",
    "ground_truth",
    "plan_course",
    "present_intervals",
]

"""The words of a session summary: what the chat and the goals of a session came to.

When a session ends (by its host, or by the cleanup), its summary records the numbers (duration,
attendance, goals, focus time, messages) and a short text written by a :class:`Summarizer`.
The summariser is swappable: ``c.StudySessionApp.summarizer_class`` names any subclass; the
default, :class:`ExtractiveSummarizer`, works offline and picks the chat's most representative
sentences, then lists the goals that were done.

A summariser gets plain data (:class:`SessionRecord`), never the database, and runs in a worker
thread with a time limit (:func:`summarize_session`): if it fails or is too slow, the session
still ends and its summary has no text.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from traitlets import Float, Int
from traitlets.config import LoggingConfigurable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChatLine:
    """One chat message of the session, as it reads now (edits applied)."""

    sender: str
    text: str
    created_at: datetime


@dataclass(frozen=True)
class GoalLine:
    title: str
    done: bool
    description: str = ""


@dataclass(frozen=True)
class SessionRecord:
    """What a summariser is given: the ended session, read in the transaction that ends it.

    ``messages`` are oldest first, without deleted ones; ``goals`` are in the room's order;
    ``attendance`` is the minutes each user was present; ``notes`` the shared notes' Markdown.
    """

    session_id: str
    title: str
    description: str
    started_at: datetime | None
    ended_at: datetime
    messages: tuple[ChatLine, ...] = ()
    goals: tuple[GoalLine, ...] = ()
    attendance: Mapping[str, int] = field(default_factory=dict)
    notes: str = ""


class Summarizer(LoggingConfigurable):
    """Writes the text of a session's summary. Subclass it and set
    ``c.StudySessionApp.summarizer_class`` to your class (or its dotted name).

    :meth:`summarize` is called once per session, when it ends, with a :class:`SessionRecord`,
    and returns plain text (``""`` when there is nothing to say). It runs in a worker thread
    while the transaction that ends the session is open, so keep it quick; it must not use the
    database, and it is given ``timeout_seconds`` at most. An exception, a timeout or a result
    that is not a string leaves the summary without text and is logged; the session ends
    anyway. The instance is built once, with the app as parent, so your own traits are
    configurable as ``c.YourSummarizer.name = ...``.
    """

    timeout_seconds = Float(
        5,
        min=0.1,
        config=True,
        help="""How long the summariser may take when a session ends; after that the summary
        is stored without text (and the slow call is logged).""",
    )

    def summarize(self, record: SessionRecord) -> str:
        """The summary text of ``record``'s session."""
        raise NotImplementedError


async def summarize_session(summarizer: Summarizer, record: SessionRecord) -> str:
    """Run ``summarizer`` on ``record`` in a worker thread, within its time limit. Returns
    ``""`` (and logs why) when it raises, times out or returns something other than text."""
    name = type(summarizer).__name__
    try:
        text = await asyncio.wait_for(
            asyncio.to_thread(summarizer.summarize, record), summarizer.timeout_seconds
        )
    except asyncio.TimeoutError:
        log.error(
            "session summary: %s took longer than %s s for session %s; stored without text",
            name,
            summarizer.timeout_seconds,
            record.session_id,
        )
        return ""
    except Exception:
        log.exception(
            "session summary: %s failed for session %s; stored without text",
            name,
            record.session_id,
        )
        return ""
    if not isinstance(text, str):
        log.error(
            "session summary: %s returned %s, not text, for session %s; stored without text",
            name,
            type(text).__name__,
            record.session_id,
        )
        return ""
    return text.strip()


# -- the default: extractive, offline -----------------------------------------------------

_STOPWORDS = """
    a about above after again against all also am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do does
    doesn't doing don't down during each even few for from further get gets got had hadn't has
    hasn't have haven't having he her here hers herself him himself his how i i'd i'll i'm i've
    if in into is isn't it it's its itself just let's like me more most much my myself need no
    nor not now of off ok okay on once one only or other our ours ourselves out over own really
    right same she should shouldn't so some still such sure than thank thanks that that's the
    their theirs them themselves then there there's these they they're this those through to
    too under until up us very was wasn't we we're we've were weren't what what's when where
    which while who whom why will with won't would wouldn't yeah yes yet you you'd you'll you're
    you've your yours yourself yourselves hi hello hey lol haha great good cool nice maybe
    think know see go going want try trying anyone everyone someone something thing things
    shall let lets start gonna wanna guys
"""
STOPWORDS = frozenset(_STOPWORDS.split())
"""Words that say nothing about what a session was about (English)."""

_CODE_BLOCK = re.compile(r"```.*?```", re.DOTALL)
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_URL = re.compile(r"https?://\S+")
_MARKUP = re.compile(r"[*_~`#>|]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")


def plain_sentences(markdown: str) -> list[str]:
    """The sentences of a chat message, without code blocks, link targets or markup."""
    text = _CODE_BLOCK.sub(" ", markdown)
    text = _LINK.sub(r"\1", text)
    text = _URL.sub(" ", text)
    text = _MARKUP.sub("", text)
    sentences = (" ".join(part.split()) for part in _SENTENCE_END.split(text))
    return [s for s in sentences if s]


def content_words(sentence: str) -> list[str]:
    """The words that carry meaning: lower case, three letters or more, not stopwords."""
    words = (w.replace("\u2019", "'") for w in _WORD.findall(sentence.lower()))
    return [w for w in words if len(w) >= 3 and w not in STOPWORDS]


class ExtractiveSummarizer(Summarizer):
    """Offline, extractive: the chat's most representative sentences, then the goals done.

    Each sentence of the chat is scored by how frequent its words are in the whole
    conversation (words of the session's title and goals count once more, so on-topic
    sentences win): the sum of the frequencies of its distinct words that occur at least twice,
    divided by the square root of its number of distinct words (so long sentences do not win
    by length alone). Sentences with fewer than ``min_words`` words are skipped, and so is a
    sentence that mostly repeats one already picked. The best ``max_sentences`` are given in
    the order they were said, followed by ``Goals done: a; b.``
    """

    max_sentences = Int(3, min=0, config=True, help="How many chat sentences to pick.")
    min_words = Int(
        3, min=1, config=True, help="Sentences with fewer meaningful words are not picked."
    )
    max_sentence_chars = Int(
        200, min=20, config=True, help="A longer picked sentence is cut here (with '…')."
    )

    def summarize(self, record: SessionRecord) -> str:
        parts = self.highlights(record)
        done = [g.title.strip() for g in record.goals if g.done and g.title.strip()]
        if done:
            parts.append("Goals done: " + "; ".join(done) + ".")
        return "\n".join(parts)

    def highlights(self, record: SessionRecord) -> list[str]:
        """The picked sentences, in chat order."""
        sentences = [s for m in record.messages for s in plain_sentences(m.text)]
        if not sentences or self.max_sentences == 0:
            return []
        words = [set(content_words(s)) for s in sentences]
        frequency = Counter(w for s in sentences for w in content_words(s))
        topic = [record.title, *(g.title for g in record.goals)]
        frequency.update({w for t in topic for w in content_words(t)})
        scored = []
        for index, distinct in enumerate(words):
            if len(distinct) < self.min_words:
                continue
            weight = sum(frequency[w] for w in distinct if frequency[w] > 1)
            if weight:
                scored.append((-weight / math.sqrt(len(distinct)), index))
        picked: list[int] = []
        for _score, index in sorted(scored):
            if len(picked) == self.max_sentences:
                break
            if any(_overlap(words[index], words[p]) > 0.6 for p in picked):
                continue
            picked.append(index)
        return [self._cut(sentences[i]) for i in sorted(picked)]

    def _cut(self, sentence: str) -> str:
        if len(sentence) <= self.max_sentence_chars:
            return sentence
        return sentence[: self.max_sentence_chars - 1].rstrip() + "…"


def _overlap(a: set[str], b: set[str]) -> float:
    """Jaccard similarity of two sets of words."""
    return len(a & b) / len(a | b) if a and b else 0.0

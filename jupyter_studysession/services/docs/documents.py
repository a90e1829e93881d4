"""The two documents of a session and what they become as files.

- ``notes``: Markdown in a ``Y.Text`` named ``source`` (the name jupyter_ydoc gives a text
  file's content). Exported as ``notes.md``.
- ``whiteboard``: a ``Y.Map`` named ``shapes``, shape id -> one JSON object per shape::

      {"type": "pen" | "line" | "arrow" | "rect" | "ellipse" | "text",
       "points": [x0, y0, x1, y1, ...],   # pen: the stroke; line, arrow: from, to;
                                          # rect, ellipse: two corners; text: its anchor
       "color": "#1f77b4", "width": 2,    # stroke colour (#rgb or #rrggbb) and width (px)
       "text": "...", "size": 16,         # text only: the words and the font size (px)
       "z": 1733300000123.5,              # drawing order, higher on top (ties: by id)
       "author": "alice"}                 # who drew it (shown, not trusted)

  A shape changes as a whole (a move writes new points), so concurrent moves of one shape
  resolve to one of them. Exported as ``whiteboard.svg``.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from pycrdt import Doc, Map, Text

NOTES = "notes"
WHITEBOARD = "whiteboard"
DOC_NAMES = (NOTES, WHITEBOARD)
NOTES_TEXT = "source"
WHITEBOARD_SHAPES = "shapes"


def notes_text(doc: Doc) -> Text:
    return doc.get(NOTES_TEXT, type=Text)


def whiteboard_shapes(doc: Doc) -> Map:
    return doc.get(WHITEBOARD_SHAPES, type=Map)


def new_document(name: str, *updates: bytes) -> Doc:
    """A pycrdt document of kind ``name`` with ``updates`` applied (empty ones skipped), its
    root type declared so that observers and exports see it."""
    doc = Doc()
    (notes_text if name == NOTES else whiteboard_shapes)(doc)
    for update in updates:
        if update:
            doc.apply_update(update)
    return doc


# -- who did what ------------------------------------------------------------------------


@dataclass
class Contributions:
    """Per user: characters (notes) or shapes (whiteboard) inserted and deleted, and updates."""

    inserted: Counter = field(default_factory=Counter)
    deleted: Counter = field(default_factory=Counter)
    updates: Counter = field(default_factory=Counter)


def replay(name: str, base: bytes, log: list[tuple[str, bytes]]) -> tuple[Doc, Contributions]:
    """The document from ``base`` (a snapshot, may be empty) and the ``(username, update)`` log,
    with what each user's updates changed."""
    doc = new_document(name, base)
    counts = Contributions()
    author: list[str] = [""]

    def on_text(event) -> None:
        for op in event.delta:
            if "insert" in op:
                counts.inserted[author[0]] += len(op["insert"])
            elif "delete" in op:
                counts.deleted[author[0]] += op["delete"]

    def on_shapes(event) -> None:
        for change in event.keys.values():
            if change["action"] == "add":
                counts.inserted[author[0]] += 1
            elif change["action"] == "delete":
                counts.deleted[author[0]] += 1

    root = notes_text(doc) if name == NOTES else whiteboard_shapes(doc)
    subscription = root.observe(on_text if name == NOTES else on_shapes)
    try:
        for username, update in log:
            author[0] = username
            counts.updates[username] += 1
            doc.apply_update(update)
    finally:
        root.unobserve(subscription)
    return doc, counts


# -- files -------------------------------------------------------------------------------


def notes_markdown(doc: Doc) -> str:
    return str(notes_text(doc))


_COLOR = re.compile(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?")
SHAPE_TYPES = ("pen", "line", "arrow", "rect", "ellipse", "text")


@dataclass(frozen=True)
class Shape:
    """A whiteboard shape as drawn: its values checked and clamped (they come from clients)."""

    id: str
    type: str
    points: tuple[float, ...]
    color: str
    width: float
    z: float
    text: str = ""
    size: float = 16

    @classmethod
    def parse(cls, shape_id: str, value) -> Shape | None:
        """The shape, or ``None`` when ``value`` is not one (ignored, never an error)."""
        if not isinstance(value, dict) or value.get("type") not in SHAPE_TYPES:
            return None
        points = value.get("points")
        if not isinstance(points, list) or len(points) < 2:
            return None
        numbers = tuple(_number(p) for p in points[: 2 * (len(points) // 2)])
        color = value.get("color")
        return cls(
            id=str(shape_id),
            type=value["type"],
            points=numbers,
            color=color if isinstance(color, str) and _COLOR.fullmatch(color) else "#222222",
            width=min(max(_number(value.get("width", 2)), 0.5), 64),
            z=_number(value.get("z", 0)),
            text=str(value.get("text", ""))[:2000],
            size=min(max(_number(value.get("size", 16)), 6), 200),
        )

    def bounds(self) -> tuple[float, float, float, float]:
        xs, ys = self.points[0::2], self.points[1::2]
        if self.type == "text":
            lines = self.text.split("\n")
            width = max(len(line) for line in lines) * self.size * 0.6
            return xs[0], ys[0] - self.size, xs[0] + width, ys[0] + self.size * len(lines)
        pad = self.width
        return min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad

    def svg(self) -> str:
        p = self.points
        stroke = f'stroke={quoteattr(self.color)} stroke-width="{_fmt(self.width)}"'
        if self.type == "pen":
            pairs = " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in zip(p[0::2], p[1::2], strict=True))
            return (
                f'<polyline points="{pairs}" fill="none" {stroke} '
                'stroke-linecap="round" stroke-linejoin="round"/>'
            )
        x0, y0 = p[0], p[1]
        x1, y1 = (p[2], p[3]) if len(p) >= 4 else (x0, y0)
        if self.type in ("line", "arrow"):
            marker = ' marker-end="url(#arrow)"' if self.type == "arrow" else ""
            return (
                f'<line x1="{_fmt(x0)}" y1="{_fmt(y0)}" x2="{_fmt(x1)}" y2="{_fmt(y1)}" '
                f'{stroke} stroke-linecap="round" color={quoteattr(self.color)}{marker}/>'
            )
        if self.type == "rect":
            return (
                f'<rect x="{_fmt(min(x0, x1))}" y="{_fmt(min(y0, y1))}" '
                f'width="{_fmt(abs(x1 - x0))}" height="{_fmt(abs(y1 - y0))}" fill="none" {stroke}/>'
            )
        if self.type == "ellipse":
            return (
                f'<ellipse cx="{_fmt((x0 + x1) / 2)}" cy="{_fmt((y0 + y1) / 2)}" '
                f'rx="{_fmt(abs(x1 - x0) / 2)}" ry="{_fmt(abs(y1 - y0) / 2)}" '
                f'fill="none" {stroke}/>'
            )
        lines = "".join(
            f'<tspan x="{_fmt(x0)}" dy="{_fmt(self.size if i else 0)}">{escape(line)}</tspan>'
            for i, line in enumerate(self.text.split("\n"))
        )
        return (
            f'<text x="{_fmt(x0)}" y="{_fmt(y0)}" fill={quoteattr(self.color)} '
            f'font-size="{_fmt(self.size)}" font-family="sans-serif">{lines}</text>'
        )


def shapes_of(doc: Doc) -> list[Shape]:
    """The whiteboard's shapes in drawing order (bottom first)."""
    shapes = [Shape.parse(key, value) for key, value in whiteboard_shapes(doc).items()]
    return sorted((s for s in shapes if s is not None), key=lambda s: (s.z, s.id))


def whiteboard_svg(doc: Doc) -> str:
    """The whiteboard as a standalone SVG image, cropped to its shapes (with a margin)."""
    shapes = shapes_of(doc)
    if shapes:
        boxes = [s.bounds() for s in shapes]
        left = min(b[0] for b in boxes) - 16
        top = min(b[1] for b in boxes) - 16
        width = max(b[2] for b in boxes) + 16 - left
        height = max(b[3] for b in boxes) + 16 - top
    else:
        left, top, width, height = 0.0, 0.0, 320.0, 200.0
    body = "\n".join(s.svg() for s in shapes)
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="{_fmt(left)} {_fmt(top)} {_fmt(width)} {_fmt(height)}" '
        f'width="{_fmt(width)}" height="{_fmt(height)}">\n'
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" '
        'markerHeight="6" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" '
        'fill="context-stroke"/></marker></defs>\n'
        f'<rect x="{_fmt(left)}" y="{_fmt(top)}" width="100%" height="100%" fill="#ffffff"/>\n'
        f"{body}\n</svg>\n"
    )


def _number(value) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return number if math.isfinite(number) else 0.0


def _fmt(number: float) -> str:
    return f"{number:.2f}".rstrip("0").rstrip(".")

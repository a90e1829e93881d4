"""Reading the JSON that clients send, over REST and the websocket alike.

In this order: the size (before anything is parsed), the syntax, the nesting depth and the
characters (no NUL, which no database column can store); then the request model, in pydantic's
strict mode: a string is never taken for a number or a boolean.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from .exceptions import InvalidInput, TooLarge

M = TypeVar("M", bound=BaseModel)

MAX_DEPTH = 10
"""Objects and arrays nest at most this deep in a request (ours need 4)."""


def read_json(raw: str | bytes, *, max_bytes: int, reason: str, what: str = "The body") -> Any:
    """``raw`` parsed, or a 400 (``reason``) saying what is wrong; 413 over ``max_bytes``."""
    if len(raw) > max_bytes:
        raise TooLarge(f"{what} is over {max_bytes} bytes.")
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as err:
        raise InvalidInput(f"{what} is not valid JSON.", reason) from err
    except RecursionError as err:
        raise InvalidInput(f"{what} nests deeper than {MAX_DEPTH} levels.", reason) from err
    check_value(value, what=what, reason=reason)
    return value


def check_value(value: Any, *, what: str, reason: str) -> None:
    """Refuse nesting deeper than :data:`MAX_DEPTH` and strings with NUL characters."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise InvalidInput(f"{what} contains a NUL character.", reason)
        elif isinstance(item, (dict, list)):
            if depth > MAX_DEPTH:
                raise InvalidInput(f"{what} nests deeper than {MAX_DEPTH} levels.", reason)
            values = item.values() if isinstance(item, dict) else item
            if isinstance(item, dict):
                stack.extend((key, depth) for key in item)
            stack.extend((v, depth + 1) for v in values)


def validate(model: type[M], raw: str | bytes) -> M:
    """``raw`` (checked JSON) as ``model``, strictly typed; 400 naming the fields."""
    try:
        return model.model_validate_json(raw, strict=True)
    except ValidationError as err:
        raise InvalidInput.from_validation(err) from err


def needs_body(model: type[BaseModel]) -> bool:
    """Whether a request of ``model`` must have a body (it has required fields); otherwise an
    empty body means ``{}``."""
    return any(field.is_required() for field in model.model_fields.values())

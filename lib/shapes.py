"""The shape a JSON document must have before any code reads it.

Every JSON body Quire takes from outside (incoming webhooks, import files) is checked here
first: a document that parses but is not what the sender promised (a list for an object, a
string for a timestamp, an id of 5,000 characters) is refused with `ShapeError`, which names
the first offending field, instead of failing deep inside the code that reads it.

A shape is a plain value:

- a type (`str`, `int`, `bool`, `dict`, `list`); `int` never accepts `bool`, and no string
  (`str` or `Text`) may hold a NUL character, which PostgreSQL's text never stores;
- a tuple of shapes: any one of them;
- `Text(max_length, pattern=...)` for a string with a length limit (and a regular expression
  it must match whole), `Number(low, high)` for a bounded
  integer;
- `Object({key: shape}, optional={key: shape})`: a dict with the required keys (never null)
  and, when present, optional keys of their shape or null; other keys are allowed and not
  checked;
- `Items(shape, max_items)`: a list whose every item has that shape;
- `Mapping(shape, max_items)`: a dict of string keys whose every value has that shape.
"""

import re
from dataclasses import dataclass, field
from typing import Any

from lib.errors import ApplicationError


class ShapeError(ApplicationError):
    pass


@dataclass(frozen=True)
class Text:
    max_length: int
    min_length: int = 1
    pattern: str = ""


@dataclass(frozen=True)
class Number:
    low: int
    high: int


@dataclass(frozen=True)
class Object:
    required: dict[str, Any]
    optional: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Items:
    item: Any
    max_items: int = 100_000


@dataclass(frozen=True)
class Mapping:
    value: Any
    max_items: int = 1_000


_NAMES = {str: "a string", int: "an integer", bool: "true or false", dict: "an object",
          list: "a list", float: "a number"}  # fmt: skip


def _name(kind: Any) -> str:
    if isinstance(kind, tuple):
        return " or ".join(_name(k) for k in kind)
    if isinstance(kind, Text):
        return "a string"
    if isinstance(kind, Number):
        return f"an integer from {kind.low} to {kind.high}"
    if isinstance(kind, Object | Mapping):
        return "an object"
    if isinstance(kind, Items):
        return "a list"
    return _NAMES.get(kind, getattr(kind, "__name__", str(kind)))


def _is(value: Any, kind: type) -> bool:
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, kind)


def shape_check(value: Any, shape: Any, where: str = "the document") -> Any:
    """`value` if it has `shape`; otherwise ShapeError naming where it does not."""
    if isinstance(shape, Text):
        if not isinstance(value, str):
            raise ShapeError(f"{where} must be a string.")
        if not shape.min_length <= len(value) <= shape.max_length:
            raise ShapeError(
                f"{where} must be {shape.min_length} to {shape.max_length} characters long "
                f"(it is {len(value)})."
            )
        if shape.pattern and not re.fullmatch(shape.pattern, value):
            raise ShapeError(f"{where} has characters it may not hold.")
        _no_nul(value, where)
    elif isinstance(shape, Number):
        if not _is(value, int):
            raise ShapeError(f"{where} must be an integer.")
        if not shape.low <= value <= shape.high:
            raise ShapeError(f"{where} must be between {shape.low} and {shape.high}.")
    elif isinstance(shape, Object):
        if not isinstance(value, dict):
            raise ShapeError(f"{where} must be an object.")
        missing = [key for key in shape.required if key not in value]
        if missing:
            raise ShapeError(f"{where} has no {', '.join(missing)}.")
        for key, inner in shape.required.items():
            shape_check(value[key], inner, f"{where}.{key}")
        for key, inner in shape.optional.items():
            if value.get(key) is not None:
                shape_check(value[key], inner, f"{where}.{key}")
    elif isinstance(shape, Items):
        if not isinstance(value, list):
            raise ShapeError(f"{where} must be a list.")
        if len(value) > shape.max_items:
            raise ShapeError(f"{where} has more than {shape.max_items} items.")
        for i, item in enumerate(value):
            shape_check(item, shape.item, f"{where}[{i}]")
    elif isinstance(shape, Mapping):
        if not isinstance(value, dict):
            raise ShapeError(f"{where} must be an object.")
        if len(value) > shape.max_items:
            raise ShapeError(f"{where} has more than {shape.max_items} keys.")
        for key, item in value.items():
            shape_check(item, shape.value, f"{where}.{key}")
    elif isinstance(shape, tuple):
        for alternative in shape:
            try:
                return shape_check(value, alternative, where)
            except ShapeError as exc:
                error = exc
        raise error if len(shape) == 1 else ShapeError(f"{where} must be {_name(shape)}.")
    elif not _is(value, shape):
        raise ShapeError(f"{where} must be {_name(shape)}.")
    elif shape is str:
        _no_nul(value, where)
    return value


def _no_nul(value: str, where: str) -> None:
    if "\x00" in value:
        raise ShapeError(f"{where} holds a NUL character.")

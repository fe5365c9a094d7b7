"""Turn model validation errors into located problems in a contributor's words."""

from __future__ import annotations

import re
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from . import policy
from .frontmatter import Positions
from .models import slugify
from .problems import Problem, did_you_mean

_ORDINALS = [
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
]


def label(loc: tuple[Any, ...]) -> str:
    """A place in the front matter in words: `('outcomes', 0, 'after')` ->
    `outcomes, first entry, after`."""
    parts = [
        (f"{_ORDINALS[part]} entry" if part < len(_ORDINALS) else f"entry {part + 1}")
        if isinstance(part, int)
        else str(part)
        for part in loc
    ]
    return ", ".join(parts) or "front matter"


def _unwrap(annotation: Any) -> Any:
    """The model class inside list[...] / X | None / Annotated[...], if any."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (list, tuple, typing.Union, types.UnionType):
            inner = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = inner[0] if inner else annotation
            if origin in (typing.Union, types.UnionType) and len(inner) > 1:
                return None
        else:
            return annotation


def fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys allowed in the mapping at `loc` of `model`."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        field = current.model_fields.get(part)
        if field is None:
            return []
        current = _unwrap(field.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _choices(expected: str) -> list[str]:
    return re.findall(r"'([^']*)'", expected)


def _explain(error: dict[str, Any], model: type[BaseModel]) -> tuple[str, str]:
    kind = error["type"]
    loc = tuple(error["loc"])
    name = label(loc)
    key = str(loc[-1]) if loc else "front matter"
    ctx = error.get("ctx") or {}
    value = error.get("input")
    if value is None and kind.endswith("_type"):
        return f"'{name}' has no value", f"write a value after `{key}:` or remove the key"
    if kind == "missing":
        return f"'{name}' is required", f"add `{key}:` with a value"
    if kind == "extra_forbidden":
        allowed = fields_at(model, loc[:-1])
        return f"unknown key '{name}'", did_you_mean(key, allowed, listing=30)
    if kind == "literal_error":
        choices = _choices(ctx.get("expected", ""))
        return f"'{name}' cannot be '{value}'", did_you_mean(value, choices)
    if kind in ("string_type",):
        if isinstance(value, dict) and len(value) == 1:
            ((inner_key, inner_value),) = value.items()
            if isinstance(inner_key, str) and isinstance(inner_value, str | None):
                written = f"{inner_key}: {inner_value or ''}".strip().replace('"', '\\"')
                return (
                    f"'{name}' must be text, but its ': ' makes YAML read a `key: value` pair",
                    f'put the whole text in double quotes: "{written}"',
                )
        where = f"after `{key}:`" if loc and isinstance(loc[-1], str) else "of this entry"
        return (
            f"'{name}' must be text",
            f'write the text {where} on one line, in double quotes if it holds ": "',
        )
    if kind == "string_too_short":
        return f"'{name}' is empty", f"write a value after `{key}:` or remove the key"
    if kind == "string_too_long":
        return (
            f"'{name}' is longer than {ctx.get('max_length')} characters",
            "shorten it; long text belongs in the Markdown body",
        )
    if kind == "string_pattern_mismatch":
        if "\\n" in ctx.get("pattern", ""):
            return f"'{name}' must fit on one line", "remove the line breaks"
        odd = policy.ODD_SPACE.search(str(value))
        if odd:  # an id that looks right but for a pasted space
            return (
                f"'{name}' holds {policy.name_of(odd.group())} at position {odd.start() + 1}",
                policy.ODD_SPACE_HINT,
            )
        suggestion = slugify(str(value))
        hint = "ids use lowercase letters, digits and single hyphens"
        return f"'{value}' in '{name}' is not a valid id", (
            f"{hint}, e.g. '{suggestion}'" if suggestion else hint
        )
    if kind == "list_type":
        return (
            f"'{name}' must be a list",
            f"write `{key}: [first, second]` or one '- ' line per entry",
        )
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"'{name}' must be a set of `key: value` lines", "indent its keys below it"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"'{name}' must be a whole number, not '{value}'", f"e.g. `{key}: 6`"
    if kind in ("greater_than_equal", "greater_than"):
        limit = ctx.get("ge", ctx.get("gt"))
        return f"'{name}' is {value}; it must be at least {limit}", f"e.g. `{key}: {limit}`"
    if kind in ("less_than_equal", "less_than"):
        limit = ctx.get("le", ctx.get("lt"))
        return (
            f"'{name}' is {value}; it must be at most {limit}",
            f"write a number up to {limit}",
        )
    if kind == "too_short":
        least = ctx.get("min_length", 1)
        return (
            f"'{name}' needs at least {least} entr{'y' if least == 1 else 'ies'}",
            f"add {'one' if least == 1 else least} under `{key}:`, or remove the key if it is "
            "optional",
        )
    if kind == "too_long":
        return f"'{name}' allows at most {ctx.get('max_length')} entries", "keep the strongest ones"
    if kind == "content":
        message = error["msg"]
        hint = str(ctx.get("hint", ""))
        return (f"{name}: {message}" if loc and not isinstance(loc[-1], str) else message), hint
    return f"'{name}': {error['msg']}", "see the field reference in content/contributing.md"


def validate(
    model: type[BaseModel], data: dict[str, Any], positions: Positions, path: str
) -> tuple[BaseModel | None, list[Problem]]:
    """Validate data against a model; every error located at its key or value."""
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            loc = tuple(error["loc"])
            if error["type"] == "extra_forbidden":
                line, col = positions.of_key(loc)
            elif error["type"] == "missing":
                line, col = positions.of_value(loc[:-1])
            else:
                line, col = positions.of_value(loc)
            message, hint = _explain(error, model)
            problems.append(Problem(path, line, col, message, hint))
        return None, problems

"""Settings errors in the words of the person who set them (shell, command line).

pydantic's own report names internal field names and links to pydantic's site. An SRE set an
`RG_` variable or a flag: each error becomes one line naming that variable or flag, the value
given and what is allowed, e.g.
`RG_LISTEN_PORT='abc': expected an integer from 0 to 65535`.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import SecretStr, ValidationError
from pydantic.fields import FieldInfo

from residency_gateway.settings import Settings

ENV_PREFIX = "RG_"


def env_name(field: str) -> str:
    return ENV_PREFIX + field.upper()


def allowed(info: FieldInfo) -> str:
    """What a field accepts, in words: its type and its bounds."""
    ann = info.annotation
    if typing.get_origin(ann) in (typing.Union, types.UnionType):  # X | None: X, or unset
        ann = next(a for a in typing.get_args(ann) if a is not type(None))
    if typing.get_origin(ann) is typing.Literal:
        return "one of " + ", ".join(str(a) for a in typing.get_args(ann))
    if typing.get_origin(ann) is typing.Annotated:
        ann = typing.get_args(ann)[0]
    if typing.get_origin(ann) is list:
        item = typing.get_args(ann)[0]
        if item is Path:
            return "paths separated by commas (or a JSON list)"
        return "a JSON list"
    words = {int: "an integer", float: "a number", bool: "true or false", Path: "a path",
             str: "a string", SecretStr: "a string"}.get(ann, "a value")  # type: ignore[arg-type]
    low = high = None
    for rule in info.metadata:
        for attr, sign in (("ge", ">="), ("gt", ">")):
            if getattr(rule, attr, None) is not None:
                low = (sign, getattr(rule, attr))
        for attr, sign in (("le", "<="), ("lt", "<")):
            if getattr(rule, attr, None) is not None:
                high = (sign, getattr(rule, attr))
    if low and high and low[0] == ">=" and high[0] == "<=":
        return f"{words} from {low[1]:g} to {high[1]:g}"
    bounds = [f"{b[0]} {b[1]:g}" for b in (low, high) if b is not None]
    return f"{words} {' and '.join(bounds)}" if bounds else words


def describe(exc: ValidationError, flags: Mapping[str, str] | None = None) -> list[str]:
    """One line per error. `flags` maps the fields given on the command line to their flag;
    any other field came from its RG_ variable (or the default)."""
    flags = flags or {}
    fields = Settings.model_fields
    out = []
    for err in exc.errors():
        loc = err.get("loc") or ()
        field = str(loc[0]) if loc else None
        message = str(err.get("msg", ""))
        if err.get("type") == "value_error":  # our own validators already say what is allowed
            message = message.removeprefix("Value error, ")
        if field is None or field not in fields:
            out.append(message)
            continue
        name = flags.get(field, env_name(field))
        value = err.get("input")
        shown = "(hidden)" if "SecretStr" in str(fields[field].annotation) else _shown(value)
        if len(loc) > 1 and shown != "(hidden)":
            # inside a structured value (RG_WITNESSES='[{"url": 1}]'): where, and pydantic's
            # own words for it ("RG_WITNESSES=1: expected a JSON list" named neither)
            where = name + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc[1:])
            line = f"{where}={shown}: {message}"
            if line not in out:
                out.append(line)
            continue
        if err.get("type") == "value_error":
            out.append(f"{name}={shown}: {message}")
        else:
            out.append(f"{name}={shown}: expected {allowed(fields[field])}")
    return out


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    try:
        return json.dumps(value, default=str)
    except (TypeError, ValueError):
        return repr(value)


def describe_source_error(exc: Exception) -> str:
    """pydantic-settings' SettingsError ('error parsing value for field "x" from source ...')."""
    text = str(exc)
    for field in Settings.model_fields:
        if f'"{field}"' in text:
            expected = allowed(Settings.model_fields[field])
            return f"{env_name(field)}: cannot be read: expected {expected}"
    return text


def env_table(skip: set[str]) -> str:
    """Every other setting as `RG_NAME  default`, for serve's --help."""
    rows = []
    for field, info in Settings.model_fields.items():
        if field in skip:
            continue
        default = "(unset)" if info.default is None else info.default
        rows.append(f"  {env_name(field):34} {allowed(info)}; default: {default}")
    return "\n".join(rows)

"""Load region maps from YAML with every error as `file:line: key: message`.

A map may be one file or a directory of `*.yaml`/`*.yml` files merged key by key (a region or
tenant defined twice is an error, not a silent override). YAML is read with the YAML 1.2 core
booleans (`true`/`false` only), so a jurisdiction `NO` stays Norway rather than becoming False,
and duplicate keys are errors. The policy version is the SHA-256 of the canonical JSON of the
validated map, so formatting and comments do not change it.
"""

from __future__ import annotations

import hashlib
import json
import re
import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from residency_gateway.files import read_regular
from residency_gateway.regionmap import invariants
from residency_gateway.regionmap.names import did_you_mean
from residency_gateway.regionmap.schema import RegionMap

Loc = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class ConfigIssue:
    file: str
    line: int
    key: str
    message: str
    severity: str = "error"
    column: int | None = None  # 1-based; known for YAML syntax errors

    def __str__(self) -> str:
        prefix = "" if self.severity == "error" else "warning: "
        where = f"{self.line}:{self.column}" if self.column else f"{self.line}"
        return f"{self.file}:{where}: {self.key}: {prefix}{self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "column": self.column, "key": self.key,
                "severity": self.severity, "message": self.message}


class ConfigError(Exception):
    """A region map that must not be used. Carries every problem found, each with file:line."""

    http_status = 500

    def __init__(self, issues: list[ConfigIssue]):
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


@dataclass(frozen=True, slots=True)
class LoadedMap:
    rmap: RegionMap
    version: str  # sha256 hex of the canonical map
    sources: tuple[str, ...]
    warnings: tuple[ConfigIssue, ...]
    lines: dict[Loc, tuple[str, int]]

    @property
    def short_version(self) -> str:
        return self.version[:12]


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core booleans (true/false only)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


class _Located:
    """Builds plain Python values from YAML nodes, remembering the line of every key path."""

    def __init__(self, file: str, loader: _Loader):
        self.file = file
        self.loader = loader
        self.lines: dict[Loc, tuple[str, int]] = {}
        self.issues: list[ConfigIssue] = []
        self.built = 0  # values built, aliases expanded (see MAX_MAP_VALUES)

    def build(self, node: yaml.Node, loc: Loc) -> Any:
        self.built += 1
        if self.built > MAX_MAP_VALUES or len(loc) > MAX_MAP_DEPTH:
            raise _TooLarge(node, loc, "holds more than "
                            f"{MAX_MAP_VALUES:,} values (aliases of aliases?)"
                            if self.built > MAX_MAP_VALUES else
                            f"nested deeper than {MAX_MAP_DEPTH} levels")
        self.lines.setdefault(loc, (self.file, node.start_mark.line + 1))
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    self.issues.append(ConfigIssue(self.file, key_node.start_mark.line + 1,
                        _dotted(loc) or "<root>", "mapping keys must be plain strings"))
                    continue
                key = str(key_node.value)
                if key == "<<":
                    self.issues.append(ConfigIssue(self.file, key_node.start_mark.line + 1,
                        _dotted(loc) or "<root>", "YAML merge keys (<<) are not supported"))
                    continue
                child = (*loc, key)
                if key in out:
                    self.issues.append(ConfigIssue(self.file, key_node.start_mark.line + 1,
                        _dotted(child), "duplicate key (first defined on line "
                        f"{self.lines[child][1]})"))
                    continue
                self.lines[child] = (self.file, key_node.start_mark.line + 1)
                out[key] = self.build(value_node, child)
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*loc, i)) for i, item in enumerate(node.value)]
        return self.loader.construct_object(node, deep=True)


# A region map is a few levels deep and a few thousand values big. YAML aliases repeat a value
# without writing it again, and aliases of aliases ("billion laughs": nine lines) expand to
# 10^9 values: the build hung, at reload on the event loop too (config red team). A flow
# collection 5,000 brackets deep overflowed the parser's recursion (a traceback, no file:line).
MAX_MAP_VALUES = 200_000
MAX_MAP_DEPTH = 32


class _TooLarge(Exception):
    def __init__(self, node: yaml.Node, loc: Loc, what: str):
        super().__init__(what)
        self.line, self.where, self.what = node.start_mark.line + 1, _dotted(loc), what


def _dotted(loc: Iterable[str | int]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def map_files(paths: Iterable[str | Path]) -> list[Path]:
    """The files a region map is read from: each file given, and each directory's *.yaml and
    *.yml (the reload watcher watches exactly these)."""
    files: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            files.extend(sorted(x for x in p.iterdir() if x.suffix in (".yaml", ".yml")))
        else:
            files.append(p)
    return files


MAX_MAP_FILE_BYTES = 16 * 1024 * 1024  # (a map with every tenant and override fits in 1 MiB)


def _reader_issue(name: str, text: str, exc: yaml.reader.ReaderError) -> ConfigIssue:
    """A character YAML refuses (ESC, NUL, DEL, a C1 control: a paste from a terminal, a
    zero-filled file) as `file:line: <yaml>: message`, the character shown by its code point
    only (never the raw byte in a log line)."""
    position = exc.position if 0 <= exc.position <= len(text) else 0
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    char = exc.character if isinstance(exc.character, int) else None
    if isinstance(exc.character, str) and len(exc.character) == 1:
        char = ord(exc.character)
    what = f"U+{char:04X}" if char is not None else "a character"
    return ConfigIssue(name, line, "<yaml>", f"unacceptable character {what}: control "
                       "characters are not allowed in a region map (a "
                       "paste from a terminal, or a file zero-filled by a crash?)",
                       column=column)


def _parse_file(path: Path) -> tuple[Any, _Located]:
    name = str(path)
    try:
        text = read_regular(path, MAX_MAP_FILE_BYTES).decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        located = _Located(name, _Loader(""))
        located.issues.append(ConfigIssue(name, 1, "<file>", f"cannot read: {exc}"))
        return None, located
    try:  # (yaml's Reader checks every character in its constructor)
        loader = _Loader(text)
    except yaml.reader.ReaderError as exc:
        located = _Located(name, _Loader(""))
        located.issues.append(_reader_issue(name, text, exc))
        return None, located
    located = _Located(name, loader)
    try:
        node = loader.get_single_node()
        if node is None:
            located.issues.append(ConfigIssue(name, 1, "<file>", "empty region map file"))
            return None, located
        return located.build(node, ()), located
    except yaml.reader.ReaderError as exc:
        located.issues.append(_reader_issue(name, text, exc))
        return None, located
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = exc.problem or str(exc)
        if exc.context and exc.context_mark and exc.context_mark is not mark:
            problem = (f"{problem} ({exc.context} at line {exc.context_mark.line + 1}, "
                       f"column {exc.context_mark.column + 1})")
        located.issues.append(ConfigIssue(name, line, "<yaml>", problem,
                                          column=mark.column + 1 if mark else None))
        return None, located
    except yaml.YAMLError as exc:
        located.issues.append(ConfigIssue(name, 1, "<yaml>", str(exc)))
        return None, located
    except _TooLarge as exc:
        located.issues.append(ConfigIssue(name, exc.line, exc.where or "<root>",
                                          f"the map {exc.what}"))
        return None, located
    except RecursionError:
        # (PyYAML's parser recurses once per nesting level: the line is not known)
        located.issues.append(ConfigIssue(name, 1, "<yaml>", "nested too deeply to parse "
                                          f"(a region map is at most {MAX_MAP_DEPTH} levels)"))
        return None, located
    finally:
        loader.dispose()


def _merge(docs: list[tuple[Any, _Located]]) -> tuple[dict[str, Any], dict[Loc, tuple[str, int]],
                                                       list[ConfigIssue]]:
    merged: dict[str, Any] = {}
    lines: dict[Loc, tuple[str, int]] = {}
    issues: list[ConfigIssue] = []
    for doc, located in docs:
        issues.extend(located.issues)
        if doc is None:
            continue
        if not isinstance(doc, dict):
            issues.append(ConfigIssue(located.file, 1, "<root>", "a region map is a mapping"))
            continue
        for key, value in doc.items():
            file, line = located.lines[(key,)]
            if key not in merged:
                merged[key] = value
                lines.update({k: v for k, v in located.lines.items() if k[:1] == (key,)})
            elif isinstance(merged[key], dict) and isinstance(value, dict):
                for sub, subval in value.items():
                    if sub in merged[key]:
                        f0, l0 = lines[(key, sub)]
                        sf, sl = located.lines[(key, sub)]
                        issues.append(ConfigIssue(sf, sl, f"{key}.{sub}",
                            f"defined twice (also at {f0}:{l0})"))
                        continue
                    merged[key][sub] = subval
                    lines.update({k: v for k, v in located.lines.items() if k[:2] == (key, sub)})
            elif isinstance(merged[key], list) and isinstance(value, list):
                offset = len(merged[key])
                merged[key].extend(value)
                for k, v in located.lines.items():
                    if k[:1] == (key,) and len(k) > 1 and isinstance(k[1], int):
                        lines[(key, k[1] + offset, *k[2:])] = v
            else:
                f0, l0 = lines[(key,)]
                issues.append(ConfigIssue(file, line, key, f"defined twice (also at {f0}:{l0})"))
    return merged, lines, issues


def _locate(lines: dict[Loc, tuple[str, int]], loc: Loc, default_file: str) -> tuple[str, int]:
    probe = tuple(loc)
    while probe:
        if probe in lines:
            return lines[probe]
        probe = probe[:-1]
    return lines.get((), (default_file, 1))


_UNION_TAG = re.compile(r"[\[\](),=]|^(lax-or-strict|json-or-python|function-\w+|"
                        r"tagged-union|union|chain|str|int|float|bool|list|dict)$")


def _clean_loc(loc: Iterable[str | int]) -> Loc:
    """Drop pydantic's internal union/validator tags from an error location."""
    return tuple(p for p in loc if isinstance(p, int) or not _UNION_TAG.search(p))


def _message(err: ErrorDetails, loc: Loc) -> str:
    """pydantic's message, said for a map's author: our validators' own words, and the keys
    that exist next to an unknown one."""
    if err["type"] == "value_error":
        return str(err["msg"]).removeprefix("Value error, ")
    if err["type"] == "extra_forbidden" and loc and isinstance(loc[-1], str):
        known = _keys_at(loc[:-1])
        hint = did_you_mean(loc[-1], known)
        return f"unknown key{hint} (allowed here: {', '.join(known)})" if known else \
            str(err["msg"])
    return str(err["msg"])


def _keys_at(loc: Loc) -> list[str]:
    """The keys a map may have at `loc`, read from the schema's models."""
    node: Any = RegionMap
    for part in loc:
        node = _unwrap(node)
        if isinstance(node, type) and issubclass(node, BaseModel):
            if not isinstance(part, str) or part not in node.model_fields:
                return []
            node = node.model_fields[part].annotation
        elif typing.get_origin(node) is dict:
            node = typing.get_args(node)[1]
        elif typing.get_origin(node) is list:
            node = typing.get_args(node)[0]
        else:
            return []
    node = _unwrap(node)
    if isinstance(node, type) and issubclass(node, BaseModel):
        return list(node.model_fields)
    return []


def _unwrap(node: Any) -> Any:
    while True:
        origin = typing.get_origin(node)
        if origin is typing.Annotated:
            node = typing.get_args(node)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(node) if a is not type(None)]
            if len(args) != 1:
                return node
            node = args[0]
        else:
            return node


def canonical_json(rmap: RegionMap) -> str:
    return json.dumps(rmap.model_dump(mode="json"), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False)


def policy_version(rmap: RegionMap) -> str:
    return hashlib.sha256(canonical_json(rmap).encode()).hexdigest()


def load_region_map(*paths: str | Path) -> LoadedMap:
    """Load, merge, validate and check a region map. Raises ConfigError listing every problem."""
    files = map_files(paths)
    first = str(files[0]) if files else (str(paths[0]) if paths else "<none>")
    if not files:
        raise ConfigError([ConfigIssue(first, 1, "<file>", "no region map files found")])
    merged, lines, issues = _merge([_parse_file(f) for f in files])
    if issues:
        raise ConfigError(issues)
    try:
        rmap = RegionMap.model_validate(merged)
    except ValidationError as exc:
        out = []
        for err in exc.errors():
            loc = _clean_loc(err["loc"])
            file, line = _locate(lines, loc, first)
            out.append(ConfigIssue(file, line, _dotted(loc) or "<root>", _message(err, loc)))
        raise ConfigError(out) from None
    problems = invariants.check(rmap)
    found = [ConfigIssue(*_locate(lines, p.loc, first), _dotted(p.loc), p.message, p.severity)
             for p in problems]
    errs = [i for i in found if i.severity == "error"]
    if errs:
        raise ConfigError(errs)
    return LoadedMap(rmap, policy_version(rmap), tuple(str(f) for f in files),
                     tuple(i for i in found if i.severity != "error"), lines)


def issues_for(lm: LoadedMap, problems: Iterable[invariants.Problem]) -> list[ConfigIssue]:
    """Problems found after loading (lint warnings), located in the map's files."""
    first = lm.sources[0] if lm.sources else "<memory>"
    return [ConfigIssue(*_locate(lm.lines, p.loc, first), _dotted(p.loc), p.message, p.severity)
            for p in problems]


def from_mapping(data: dict[str, Any], name: str = "<memory>") -> LoadedMap:
    """Validate an in-memory map (tests, property tests). Same checks, no line numbers."""
    try:
        rmap = RegionMap.model_validate(data)
    except ValidationError as exc:
        raise ConfigError([ConfigIssue(name, 0, _dotted(loc), _message(e, loc))
                           for e in exc.errors()
                           for loc in [_clean_loc(e["loc"])]]) from None
    errs = invariants.errors(rmap)
    if errs:
        raise ConfigError([ConfigIssue(name, 0, _dotted(p.loc), p.message) for p in errs])
    return LoadedMap(rmap, policy_version(rmap), (name,), (), {})

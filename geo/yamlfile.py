"""Read YAML data files while keeping the line of every value, for ``file:line`` errors.

Hostile files are refused before any tree is built or walked: files above ``MAX_BYTES``,
aliases (``*a``: "billion laughs" expand a few lines into gigabytes, a self-reference never
ends) and nesting deeper than ``MAX_DEPTH`` (5,000 brackets ended in a RecursionError). The
plan's files use none of them: they are hand-written lists of plain values."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import AfterValidator, BaseModel, StringConstraints, ValidationError

from geo.errors import DataError, Problems

Location = tuple[str | int, ...]
MAX_BYTES = 2 * 1024 * 1024  # the largest data file is ~6 KB
MAX_DEPTH = 32  # the data nests 5 deep

# Length limits of the text in data files (a 10 MB name made every page 20–50 MB). Measured in
# data/ (2026-11-30): names/labels ≤ 35 characters, sentences (vision, 施策, KPI) ≤ 62, ids ≤ 28.
NAME_MAX = 200
SENTENCE_MAX = 1000
ID_MAX = 64
LIST_MAX = 100  # items of one list (directions, 施策, KPIs, aliases): ≤ 8 in data/

# Characters no text of the plan or of an actuals sheet may hold (issue 26): control characters
# (NUL, BEL, ESC … and C1; TAB, LF and CR are layout and stay), and the bidirectional controls,
# with which a U+202E makes a line display in another order than it is stored ("Trojan Source").
_BIDI = {0x061C: "ALM", 0x200E: "LRM", 0x200F: "RLM", 0x202A: "LRE", 0x202B: "RLE", 0x202C: "PDF",
         0x202D: "LRO", 0x202E: "RLO", 0x2066: "LRI", 0x2067: "RLI", 0x2068: "FSI", 0x2069: "PDI"}
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f" + "".join(map(chr, _BIDI)) + "]")


def control_problem(text: str) -> str | None:
    """Why ``text`` cannot be data: the first control or bidirectional character in it, if any."""
    m = _CONTROLS.search(text)
    if m is None:
        return None
    code, where = ord(m.group()), m.start() + 1
    if code in _BIDI:
        return (f"bidirectional control U+{code:04X} ({_BIDI[code]}) at character {where}: it shows "
                "the text in another order than it is stored; remove it")
    return f"control character U+{code:04X} at character {where}: remove it"


def _printable(text: str) -> str:
    if (problem := control_problem(text)) is not None:
        raise ValueError(problem)
    return text


_Printable = AfterValidator(_printable)
Name = Annotated[str, StringConstraints(min_length=1, max_length=NAME_MAX), _Printable]
Sentence = Annotated[str, StringConstraints(min_length=1, max_length=SENTENCE_MAX), _Printable]


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases and deep nesting while composing (before any recursion)."""

    def __init__(self, stream: str, path: Path) -> None:
        super().__init__(stream)
        self._path = path
        self._depth = 0

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise DataError(f"YAML alias *{event.anchor} is not allowed in data files; write the "
                            "value out", path=self._path, line=event.start_mark.line + 1)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise DataError(f"nested deeper than {MAX_DEPTH} levels", path=self._path,
                            line=event.start_mark.line + 1)
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class LocatedYaml:
    """Parsed YAML plus the 1-based line where each mapping key or list item starts."""

    def __init__(self, path: Path, data: Any, lines: dict[Location, int]) -> None:
        self.path = path
        self.data = data
        self._lines = lines

    def line(self, location: Sequence[str | int]) -> int | None:
        """The line of ``location`` or of its nearest located parent."""
        loc = tuple(location)
        while loc:
            if loc in self._lines:
                return self._lines[loc]
            loc = loc[:-1]
        return self._lines.get(())

    def error(self, location: Sequence[str | int], message: str) -> DataError:
        field = ".".join(str(p) for p in location) or None
        return DataError(message, path=self.path, line=self.line(location), field=field)


def _walk(node: yaml.Node, loc: Location, lines: dict[Location, int]) -> None:
    lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*loc, key.value)
            lines[child] = key.start_mark.line + 1
            _walk(value, child, lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            child = (*loc, i)
            lines[child] = item.start_mark.line + 1
            _walk(item, child, lines)


def load_located_yaml(path: str | Path) -> LocatedYaml:
    """Load ``path`` as YAML; syntax errors and duplicate keys become a ``DataError`` with its line."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise DataError(f"file is {size:,} bytes; a data file may have at most {MAX_BYTES:,}",
                            path=path)
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataError("file not found", path=path) from None
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise DataError(
            f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x}: {exc.reason}); save the file as UTF-8",
            path=path, line=line,
        ) from None
    loader = _StrictLoader(text, path)
    try:
        node = loader.get_single_node()  # one pass: the checked tree is the one constructed
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise DataError(f"YAML syntax: {exc.problem or exc}", path=path, line=line) from None
    except yaml.YAMLError as exc:
        raise DataError(f"YAML syntax: {exc}", path=path) from None
    finally:
        loader.dispose()
    lines: dict[Location, int] = {}
    if node is not None:
        _check_duplicate_keys(node, path)
        _walk(node, (), lines)
    return LocatedYaml(path, data, lines)


def _check_duplicate_keys(node: yaml.Node, path: Path) -> None:
    # PyYAML silently keeps the last of two equal keys; a planner's copy-paste must not vanish.
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            if key.value in seen:
                raise DataError(
                    f"duplicate key (first on line {seen[key.value]})",
                    path=path,
                    line=key.start_mark.line + 1,
                    field=str(key.value),
                )
            seen[key.value] = key.start_mark.line + 1
            _check_duplicate_keys(value, path)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _check_duplicate_keys(item, path)


def pydantic_errors(doc: LocatedYaml, exc: Any, prefix: Location = ()) -> list[DataError]:
    """Turn a pydantic ``ValidationError`` on ``doc.data`` into located ``DataError``s."""
    out = []
    for err in exc.errors():
        loc = (*prefix, *err["loc"])
        out.append(doc.error(loc, err["msg"]))
    return out


def load_validated(path: Path, model: type[BaseModel], problems: Problems) -> tuple[LocatedYaml | None, Any]:
    """The file's located document and ``model`` validated from it; ``None`` for what could not
    be had, after adding why to ``problems``."""
    try:
        doc = load_located_yaml(path)
    except DataError as exc:
        problems.add(exc)
        return None, None
    if not isinstance(doc.data, dict):
        problems.add(doc.error((), "expected a mapping at the top of the file"))
        return doc, None
    try:
        return doc, model.model_validate(doc.data)
    except ValidationError as exc:
        problems.extend(pydantic_errors(doc, exc))
        return doc, None

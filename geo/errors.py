"""Errors that name the file, line and field at fault, so a planner can fix data in an editor."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path


class DataError(Exception):
    """A problem in an input file. ``str()`` is one line: ``file:line: field: message``."""

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.field = field
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path or "<input>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        if self.field:
            return f"{where}: {self.field}: {self.message}"
        return f"{where}: {self.message}"


class DataErrors(DataError):
    """Several problems found in one pass; ``str()`` is one line per problem."""

    def __init__(self, errors: list[DataError]) -> None:
        self.errors = errors
        Exception.__init__(self, str(self))

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


class BoundaryError(DataError):
    """A boundary file that cannot be used (missing, corrupt, wrong schema, wrong hash)."""


class UnknownCodeError(LookupError):
    """A well-formed municipality code that names no municipality of Hokkaido."""


class Problems:
    """The problems (問題) one pass over some files finds, raised together when it ends.

    A validator adds each problem it finds and goes on, so a planner sees every mistake of a
    file at once; :meth:`raise_any` then raises them, in the order found, as one ``DataErrors``.
    """

    def __init__(self) -> None:
        self.errors: list[DataError] = []

    def add(self, problem: DataError) -> None:
        self.errors.append(problem)

    def extend(self, problems: Iterable[DataError]) -> None:
        self.errors.extend(problems)

    def __iter__(self) -> Iterator[DataError]:
        return iter(self.errors)

    def __len__(self) -> int:
        return len(self.errors)

    def raise_any(self) -> None:
        """Raise every problem found as one ``DataErrors``; nothing if there is none."""
        if self.errors:
            raise DataErrors(self.errors)

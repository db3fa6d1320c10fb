"""What a command found in each file, and the reporters that print it: text, json, github.

Every command that reads files (``validate``, ``check``, ``fmt``,
``convert``, ``store add|remove``) builds one :class:`FileResult` per file
and hands it to a :class:`Reporter`, so all of them speak the same JSON
(``schema/report.schema.json``) and the same GitHub workflow commands.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from fnmatch import translate
from typing import TYPE_CHECKING, Any, TextIO

from ..errors import Problem
from ._shared import EXIT_INVALID, EXIT_OK, EXIT_USAGE, STDIN

if TYPE_CHECKING:
    import argparse

    from ..check import Finding

__all__ = [
    "FORMATS",
    "REPORT_VERSION",
    "Entry",
    "FileResult",
    "Reporter",
    "add_report_options",
    "each_file",
    "positioned",
]

FORMATS = ("text", "json", "github")
"""The values of ``--format``."""

REPORT_VERSION = 1
"""The ``version`` of the JSON report; it changes only when a member changes meaning."""

_STATUS_NAMES = {EXIT_OK: "ok", EXIT_INVALID: "invalid", EXIT_USAGE: "error"}
_GITHUB_LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


class _Record:
    """A plain record with keyword-only fields (the subclass lists them in ``__slots__``).

    Not an attrs class: creating one at import costs more than ``danmodel validate``
    spends on a small file, and a command makes one or two per file.
    """

    __slots__: tuple[str, ...] = ()

    def replace(self, **changes: Any) -> Any:
        """A copy with ``changes``."""
        copy = object.__new__(type(self))
        for name in self.__slots__:
            object.__setattr__(copy, name, changes.pop(name, getattr(self, name)))
        if changes:
            raise TypeError(f"{type(self).__name__} has no field {sorted(changes)[0]!r}")
        return copy

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in self.__slots__)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({shown})"


class Entry(_Record):
    """One problem or finding at one place of a file."""

    __slots__ = ("column", "fix", "line", "message", "path", "rule", "severity", "text")

    path: str
    message: str
    severity: str
    """``error``, ``warning`` or ``info`` (the severities of :mod:`danmodel.check`)."""
    rule: str | None
    """The id of the :mod:`danmodel.check` rule, for findings."""
    line: int | None
    column: int | None
    fix: str | None
    text: str
    """The line the text reporter prints after ``FILE: ``."""

    def __init__(
        self,
        *,
        path: str,
        message: str,
        severity: str = "error",
        rule: str | None = None,
        line: int | None = None,
        column: int | None = None,
        fix: str | None = None,
        text: str,
    ) -> None:
        self.path = path
        self.message = message
        self.severity = severity
        self.rule = rule
        self.line = line
        self.column = column
        self.fix = fix
        self.text = text

    @classmethod
    def of_problem(cls, problem: Problem, *, severity: str = "error", suffix: str = "") -> Entry:
        """An entry for a loader :class:`~danmodel.errors.Problem`."""
        return cls(
            path=problem.path,
            message=problem.message + suffix,
            severity=severity,
            line=problem.line,
            column=problem.column,
            text=f"{problem}{suffix}",
        )

    @classmethod
    def of_finding(cls, finding: Finding) -> Entry:
        """An entry for a :class:`danmodel.check.Finding`."""
        return cls(
            path=finding.path,
            message=finding.message,
            severity=finding.severity.value,
            rule=finding.rule,
            line=finding.line,
            column=finding.column,
            fix=finding.fix,
            text=str(finding),
        )

    def to_json(self) -> dict[str, Any]:
        """The entry as a member of ``problems`` in the JSON report."""
        return {
            "path": self.path,
            "message": self.message,
            "severity": self.severity,
            "rule": self.rule,
            "line": self.line,
            "column": self.column,
            "fix": self.fix,
        }


class FileResult(_Record):
    """What a command did with one file."""

    __slots__ = ("details", "error", "file", "notes", "problems", "source", "status")

    file: str
    """The name the file is reported under (``<stdin>`` for ``-``)."""
    status: int
    """0 ok, 1 invalid, 2 could not be read or written."""
    problems: tuple[Entry, ...]
    error: str | None
    """Why the file could not be read or written: ``cannot read: No such file or directory``."""
    notes: tuple[str, ...]
    """Text lines after the problems (``valid (revision 2, 1 device)``); ``--quiet`` drops them."""
    details: Mapping[str, Any]
    """Command-specific members of the file's JSON entry (``devices``, ``changed``, ...)."""
    source: bytes | None
    """The text the problems were found in: the reporter finds their lines and columns in it
    when its format shows them (json, github), then drops it."""

    def __init__(
        self,
        *,
        file: str,
        status: int,
        problems: tuple[Entry, ...] = (),
        error: str | None = None,
        notes: tuple[str, ...] = (),
        details: Mapping[str, Any] | None = None,
        source: bytes | None = None,
    ) -> None:
        self.file = file
        self.status = status
        self.problems = problems
        self.error = error
        self.notes = notes
        self.details = {} if details is None else details
        self.source = source

    @classmethod
    def unreadable(cls, file: str, error: OSError, **details: Any) -> FileResult:
        """The result for a file that could not be read (status 2)."""
        return cls(
            file=file,
            status=EXIT_USAGE,
            error=f"cannot read: {error.strerror or error}",
            details=details,
        )


def positioned(entries: Sequence[Entry], data: bytes | str) -> tuple[Entry, ...]:
    """*entries* with the line and column of each path in *data*, where they had none.

    Called only when there is something to report; *data* is the text the
    entries were found in.
    """
    wanted = [entry.path for entry in entries if entry.line is None]
    if not wanted:
        return tuple(entries)
    from .._positions import locate  # only on the error path

    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    found = locate(text, wanted)
    return tuple(
        entry.replace(line=found[entry.path][0], column=found[entry.path][1])
        if entry.line is None and entry.path in found
        else entry
        for entry in entries
    )


def each_file(names: Iterable[str], glob: str, reporter: Reporter) -> Iterator[str]:
    """The files named on the command line, a directory standing for its files matching *glob*.

    A directory is walked recursively (not into linked directories), in name
    order, for regular files (or links to them); the reporter says how many
    files each one gave, and one that gives none is reported as an error
    (exit status 2).
    """
    for name in names:
        if name == STDIN or not os.path.isdir(name):
            yield name
            continue
        found: list[str] = []
        _walk(name, glob, found)
        reporter.directory(name, glob, len(found))
        if not found:
            reporter.add(
                FileResult(
                    file=name, status=EXIT_USAGE, error=f"cannot read: no file matches {glob} in it"
                )
            )
        yield from found


def _walk(top: str, glob: str, found: list[str]) -> None:
    """Add to *found* the regular files (or links to them) under *top* whose names match *glob*.

    What ``os.walk(top)`` lists, in the same order (a directory's files by
    name, then its subdirectories by name, not into linked ones; a directory
    that cannot be listed is skipped), keeping the regular files as
    ``os.path.isfile`` tells them, from the type the directory listing gives
    (no ``stat`` of each file, unless it is a link): a FIFO or device found
    by a walk is never opened.
    """
    matches = re.compile(translate(glob)).match  # what fnmatchcase does, compiled once
    pending = [top]
    while pending:
        directory = pending.pop()
        prefix = directory if directory.endswith("/") else directory + "/"  # os.path.join
        files: list[tuple[str, os.DirEntry[str]]] = []
        directories: list[str] = []
        try:
            with os.scandir(directory) as entries:
                for entry in entries:
                    try:
                        is_directory = entry.is_dir()
                    except OSError:
                        is_directory = False
                    if is_directory:
                        if not entry.is_symlink():
                            directories.append(entry.name)
                    elif matches(entry.name) is not None:
                        files.append((entry.name, entry))
        except OSError:  # as os.walk: a directory that cannot be read gives nothing
            continue
        files.sort(key=_first)
        for name, entry in files:
            try:
                regular = entry.is_file()
            except OSError:
                regular = False
            if regular:
                found.append(prefix + name)
        directories.sort(reverse=True)  # popped last first: walked in name order
        pending += [prefix + name for name in directories]


def _first(item: tuple[str, object]) -> str:
    return item[0]


def add_report_options(parser: argparse.ArgumentParser, *, files: bool = True) -> None:
    """Add ``--format`` and ``--quiet`` (and ``--glob`` when the command takes many files)."""
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="text: one line per problem (default); json: one report; "
        "github: GitHub Actions annotations",
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="print only the problems, no summary"
    )
    if files:
        parser.add_argument(
            "--glob",
            default="*.json",
            metavar="PATTERN",
            help="the files read under a directory argument, recursively (default *.json)",
        )


class Reporter:
    """Prints each :class:`FileResult` in the chosen format, then the summary or the report."""

    def __init__(
        self,
        command: str,
        *,
        format: str = "text",
        quiet: bool = False,
        settings: Mapping[str, Any] | None = None,
        stream: TextIO | None = None,
        notes: Sequence[str] = (),
    ) -> None:
        self.command = command
        self.notes = tuple(notes)
        """Lines about the whole run (check: what the runtime does with any file)."""
        self.format = format
        self.quiet = quiet
        self.settings = dict(settings or {})
        self.stream = stream
        self.results: list[FileResult] = []
        self.directories: list[dict[str, Any]] = []

    def _out(self) -> TextIO:
        return self.stream or sys.stdout

    def directory(self, path: str, glob: str, count: int) -> None:
        """Say what a directory argument stood for."""
        self.directories.append({"path": path, "glob": glob, "files": count})
        if self.format != "json" and not self.quiet and count:
            noun = "file" if count == 1 else "files"
            print(f"{path}: {count} {noun} matching {glob}", file=self._out())

    def add(self, result: FileResult) -> None:
        """Report one file (text and github print at once, json at :meth:`finish`)."""
        if result.source is not None:
            problems = result.problems
            if self.format != "text" and problems:
                problems = positioned(problems, result.source)
            result = result.replace(problems=problems, source=None)
        self.results.append(result)
        if self.format == "text":
            self._text(result)
        elif self.format == "github":
            self._github(result)

    def finish(self) -> int:
        """Print the summary (text, github) or the report (json); returns the exit status."""
        status = max((result.status for result in self.results), default=EXIT_OK)
        if self.format == "json":
            json.dump(self.report(), self._out(), indent=2, ensure_ascii=False)
            print(file=self._out())
        elif not self.quiet:
            for note in self.notes:
                print(f"note: {note}", file=self._out())
            if len(self.results) > 1 or self.directories:
                print(self.summary_line(), file=self._out())
        return status

    def summary(self) -> dict[str, int]:
        """The counts of the ``summary`` member."""
        counts = {"files": len(self.results), "ok": 0, "invalid": 0, "error": 0}
        for result in self.results:
            counts[_STATUS_NAMES[result.status]] += 1
        severities = [entry.severity for result in self.results for entry in result.problems]
        return {
            "files": counts["files"],
            "valid": counts["ok"],
            "invalid": counts["invalid"],
            "unreadable": counts["error"],
            "problems": len(severities),
            "errors": severities.count("error"),
            "warnings": severities.count("warning"),
            "info": severities.count("info"),
        }

    def summary_line(self) -> str:
        """``danmodel validate: 3 files, 1 invalid, 0 unreadable; 2 problems (...)``."""
        counts = self.summary()
        files, problems = counts["files"], counts["problems"]
        errors, warnings = counts["errors"], counts["warnings"]
        return (
            f"danmodel {self.command}: {files} file{'s' * (files != 1)}, "
            f"{counts['invalid']} invalid, {counts['unreadable']} unreadable; "
            f"{problems} problem{'s' * (problems != 1)} ({errors} error{'s' * (errors != 1)}, "
            f"{warnings} warning{'s' * (warnings != 1)}, {counts['info']} info)"
        )

    def report(self) -> dict[str, Any]:
        """The JSON report (``schema/report.schema.json``)."""
        status = max((result.status for result in self.results), default=EXIT_OK)
        return {
            "version": REPORT_VERSION,
            "command": self.command,
            "valid": status == EXIT_OK,
            "status": status,
            **self.settings,
            **({"notes": list(self.notes)} if self.notes else {}),
            "summary": self.summary(),
            "directories": self.directories,
            "files": [
                {
                    "file": result.file,
                    "status": _STATUS_NAMES[result.status],
                    "valid": result.status == EXIT_OK,
                    "problems": [entry.to_json() for entry in result.problems],
                    "error": result.error,
                    **result.details,
                }
                for result in self.results
            ],
        }

    def _text(self, result: FileResult) -> None:
        out = self._out()
        for entry in result.problems:
            print(f"{result.file}: {entry.text}", file=out)
        if result.error is not None:
            print(f"{result.file}: {result.error}", file=sys.stderr)
        if not self.quiet:
            for note in result.notes:
                print(f"{result.file}: {note}", file=out)

    def _github(self, result: FileResult) -> None:
        out = self._out()
        title = f"danmodel {self.command}"
        for entry in result.problems:
            message = f"{entry.path}: {entry.message}"
            if entry.fix is not None:
                message += f". Fix: {entry.fix}"
            print(
                _workflow_command(
                    _GITHUB_LEVELS.get(entry.severity, "error"),
                    result.file,
                    entry.line,
                    entry.column,
                    entry.rule or title,
                    message,
                ),
                file=out,
            )
        if result.error is not None:
            print(
                _workflow_command("error", result.file, None, None, title, result.error), file=out
            )
        if not self.quiet:
            for note in result.notes:
                print(f"{result.file}: {note}", file=out)


def _workflow_command(
    level: str, file: str, line: int | None, column: int | None, title: str, message: str
) -> str:
    """``::error file=F,line=L,col=C,title=T::message``, escaped as the runner unescapes it."""
    properties: list[tuple[str, object]] = []
    if file != "<stdin>":
        properties.append(("file", _repository_path(file)))
    if line is not None:
        properties.append(("line", line))
        if column is not None:
            properties.append(("col", column))
    properties.append(("title", title))
    joined = ",".join(f"{name}={_escape_property(str(value))}" for name, value in properties)
    return f"::{level} {joined}::{_escape_data(message)}"


def _repository_path(file: str) -> str:
    """*file* as GitHub matches it to a pull request's files: relative to the workspace."""
    workspace = os.environ.get("GITHUB_WORKSPACE")
    if workspace and os.path.isabs(file):
        relative = os.path.relpath(file, workspace)
        if not relative.startswith(os.pardir):
            return relative
    return os.path.normpath(file)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")

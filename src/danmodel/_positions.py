"""Where a ``$.path`` is in JSON text: the 1-based line and column of the key or value.

:func:`locate` maps paths as danmodel writes them (:func:`danmodel._paths.join`:
``$.devices[0].network_info.routes[1].gateway``, ``$['odd key']``,
``$.devices[3]``) to positions in the text they were found in, for editors,
CI annotations and the JSON report. It is meant for the error path: it runs
only when there is something to report, in one pass over the text (linear in
its length), and needs neither valid JSON nor a parsed document.

Where a path points:

- a member of an object (``$.a.b``): its key, the opening quote of ``"b"``;
- an element of an array (``$.a[2]``) or the document (``$``): the first
  character of the value;
- a path whose last key or index is not there (a missing key): the value
  that lacks it, i.e. the opening brace of the object; more generally, the
  deepest part of the path that is there.

A key that appears more than once in an object is located at its *last*
occurrence: the one whose value the loader keeps (as Python's ``json`` and
the Go runtime do), and the one a "key appears twice" problem is about.
Lines are counted by ``\\n``; columns count characters (code points) from 1.
Anything that is not a structural character or a string is skipped as one
token, so ``NaN``, ``Infinity``, bad numbers and garbage do not stop the scan;
on text that is not JSON the result is the best position found so far. A
path not in danmodel's syntax is left out of the result.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence

import attrs

from .errors import Problem

__all__ = ["locate", "positioned", "steps"]

_Step = str | int

_NAME = re.compile(r"\.([a-zA-Z][a-zA-Z0-9_]*)")
_INDEX = re.compile(r"\[(\d+)\]")
_QUOTED = re.compile(r"\['((?:[^'\\]|\\.)*)'\]", re.DOTALL)
_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|(.))", re.DOTALL)

# One token: a string (possibly unterminated), a structural character, or a run of anything else.
_TOKEN = re.compile(
    r'[ \t\n\r]*(?:("[^"\\]*(?:\\.[^"\\]*)*"?)|([{}\[\],:])|([^ \t\n\r"{}\[\],:]+))', re.DOTALL
)
_SKIP_DECODER = json.JSONDecoder(object_pairs_hook=lambda pairs: None)


def steps(path: str) -> list[_Step] | None:
    """The keys (``str``) and indexes (``int``) of a path; None if it is not danmodel's syntax."""
    if not path.startswith("$"):
        return None
    result: list[_Step] = []
    position = 1
    while position < len(path):
        if match := _NAME.match(path, position):
            result.append(match.group(1))
        elif match := _INDEX.match(path, position):
            result.append(int(match.group(1)))
        elif match := _QUOTED.match(path, position):
            result.append(_ESCAPE.sub(_unescape, match.group(1)))
        else:
            return None
        position = match.end()
    return result


def _unescape(match: re.Match[str]) -> str:
    short, long, other = match.groups()
    if other is not None:
        return other
    return chr(int(short or long, 16))


class _Node:
    """One step of the wanted paths, and where the scan found it."""

    __slots__ = ("children", "found", "key", "value")

    def __init__(self) -> None:
        self.children: dict[_Step, _Node] = {}
        self.key: int | None = None
        self.value: int | None = None
        self.found = False

    def forget(self) -> None:
        """Drop what an earlier occurrence of a duplicated key found below this node."""
        self.key = self.value = None
        for child in self.children.values():
            child.forget()


class _Frame:
    __slots__ = ("index", "is_object", "member", "node")

    def __init__(self, node: _Node, is_object: bool) -> None:
        self.node = node
        self.is_object = is_object
        self.index = 0
        self.member: _Node | None = None  # the wanted node of the value that comes next


def locate(
    text: str, paths: Iterable[str], *, unique_keys: bool = False
) -> dict[str, tuple[int, int]]:
    """The (line, column) of each path of *paths* in the JSON *text*; see the module's rules.

    ``unique_keys`` says the text has no duplicate keys (the parser found
    none), so the scan may stop once every path is found instead of reading on
    for a later occurrence of a key.
    """
    root = _Node()
    wanted: dict[str, list[_Step]] = {}
    nodes = 0
    for path in paths:
        parsed = steps(path)
        if parsed is None:
            continue
        wanted[path] = parsed
        node = root
        for step in parsed:
            child = node.children.get(step)
            if child is None:
                child = node.children[step] = _Node()
                nodes += 1
            node = child
    if not wanted:
        return {}
    _scan(text, root, nodes if unique_keys else -1)
    offsets: dict[str, int] = {}
    for path, parsed in wanted.items():
        offset = _offset(root, parsed)
        if offset is not None:
            offsets[path] = offset
    return _line_columns(text, offsets)


def _offset(root: _Node, parsed: list[_Step]) -> int | None:
    node = root
    for step in parsed:
        child = node.children[step]
        if child.value is None and child.key is None:
            # Not there: the value that lacks it (an object's opening brace).
            return node.value if node.value is not None else node.key
        node = child
    if parsed and isinstance(parsed[-1], str) and node.key is not None:
        return node.key
    return node.value


def _scan(text: str, root: _Node, remaining: int) -> None:
    """Record the offsets of the wanted nodes, in one pass over *text*; stop early once the
    ``remaining`` nodes are found (-1: never, a later duplicate key may move them)."""
    stack: list[_Frame] = []
    position = 0
    length = len(text)
    pending: _Node | None = root  # the node of the next value, None when not wanted
    expect_value = True
    while position < length:
        match = _TOKEN.match(text, position)
        if match is None:  # only whitespace left
            return
        string, structural, _ = match.groups()
        start = match.start(match.lastindex or 0)
        frame = stack[-1] if stack else None
        if structural is None or structural in "{[":
            if frame is not None and frame.is_object and not expect_value:
                # A key (or a stray value where a key belongs).
                member = frame.member = _member(frame.node, string, start)
                if member is not None and not member.found:
                    member.found = True
                    remaining -= 1
                    if remaining == 0:
                        return
                position = match.end()
                continue
            node = pending if expect_value else None
            expect_value = False
            if node is None:
                position = _skip(text, start)
                continue
            node.value = start
            if not node.found and node is not root:
                node.found = True
                remaining -= 1
                if remaining == 0:
                    return
            if structural is not None:
                stack.append(_Frame(node, structural == "{"))
                expect_value = structural == "["
                pending = _element(stack[-1]) if expect_value else None
            position = match.end()
            continue
        if structural == ":":
            if frame is not None and frame.is_object:
                pending = frame.member
                expect_value = True
        elif structural == ",":
            if frame is not None:
                if frame.is_object:
                    expect_value = False
                else:
                    frame.index += 1
                    pending = _element(frame)
                    expect_value = True
        else:  # } or ]
            if stack:
                stack.pop()
            expect_value = False
            pending = None
        position = match.end()


def _member(node: _Node, token: str | None, start: int) -> _Node | None:
    """The wanted child of an object's node for the key *token* (recording where the key is)."""
    if token is None or not node.children:
        return None
    if "\\" not in token and len(token) > 1 and token[-1] == '"':
        key: object = token[1:-1]  # no escape: the key is the text between the quotes
    else:
        try:
            key = json.loads(token)
        except ValueError:
            return None
    child = node.children.get(key) if isinstance(key, str) else None
    if child is not None:
        if child.key is not None:  # a duplicate: the last occurrence wins
            child.forget()
        child.key = start
    return child


def _element(frame: _Frame) -> _Node | None:
    return frame.node.children.get(frame.index)


def _skip(text: str, start: int) -> int:
    """The end of the value at *start*, which no wanted path enters."""
    try:
        return _SKIP_DECODER.raw_decode(text, start)[1]
    except (ValueError, RecursionError):
        pass
    depth = 0
    position = start
    while True:
        match = _TOKEN.match(text, position)
        if match is None:
            return len(text)
        structural = match.group(2)
        if structural is not None and structural in "{[":
            depth += 1
        elif structural is not None and structural in "}]":
            if depth == 0:
                return match.start(2)
            depth -= 1
        elif structural is not None and depth == 0:
            return match.start(2)
        position = match.end()
        if depth == 0:
            return position


def _line_columns(text: str, offsets: dict[str, int]) -> dict[str, tuple[int, int]]:
    """Offsets as 1-based (line, column), counting newlines once over the text."""
    result: dict[str, tuple[int, int]] = {}
    line, line_start, counted = 1, 0, 0
    for path, offset in sorted(offsets.items(), key=lambda item: item[1]):
        newlines = text.count("\n", counted, offset)
        if newlines:
            line += newlines
            line_start = text.rfind("\n", counted, offset) + 1
        counted = offset
        result[path] = (line, offset - line_start + 1)
    return result


def positioned(
    problems: Sequence[Problem], text: str, *, unique_keys: bool = False
) -> tuple[Problem, ...]:
    """*problems* with the line and column of their paths in *text*, where they had none
    (``unique_keys``: see :func:`locate`)."""
    found = locate(
        text,
        [problem.path for problem in problems if problem.line is None],
        unique_keys=unique_keys,
    )
    return tuple(
        problem
        if problem.line is not None or problem.path not in found
        else attrs.evolve(problem, line=found[problem.path][0], column=found[problem.path][1])
        for problem in problems
    )

"""``danmodel._positions.locate``: the line and column of a ``$.path`` in JSON text."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from danmodel._paths import join
from danmodel._positions import locate, steps

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=6)
)
_DOCUMENTS = st.recursive(
    _SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=25,
)
_LAYOUTS = st.sampled_from(
    [
        {"indent": None},
        {"indent": None, "separators": (",", ":")},
        {"indent": 2},
        {"indent": 4, "ensure_ascii": False},
        {"indent": "\t", "separators": (", ", " : ")},
        {"indent": 0},
    ]
)


def _offset(text: str, line: int, column: int) -> int:
    """The offset of a 1-based (line, column), counted independently of the code under test."""
    lines = text.split("\n")
    assert 1 <= line <= len(lines)
    assert 1 <= column <= len(lines[line - 1]) + 1
    return sum(len(before) + 1 for before in lines[: line - 1]) + column - 1


def _same(decoded: object, expected: object) -> bool:
    return json.dumps(decoded) == json.dumps(expected)  # NaN equals NaN this way


def _value_at(text: str, offset: int) -> object:
    return json.JSONDecoder().raw_decode(text, offset)[0]


def _members(
    document: object, path: str = "$", key: str | None = None
) -> list[tuple[str, str | None, object]]:
    """Every (path, key of an object member or None, value) of a document."""
    found: list[tuple[str, str | None, object]] = [(path, key, document)]
    if isinstance(document, dict):
        for name, value in document.items():
            found += _members(value, join(path, name), name)
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found += _members(value, f"{path}[{index}]")
    return found


@given(_DOCUMENTS, _LAYOUTS)
def test_every_path_points_at_its_key_or_value(document: Any, layout: dict[str, Any]) -> None:
    text = json.dumps(document, **layout)
    members = _members(document)
    positions = locate(text, [path for path, _, _ in members])
    assert set(positions) == {path for path, _, _ in members}
    for path, key, value in members:
        offset = _offset(text, *positions[path])
        if key is None:  # the document or an array element: the value itself
            assert _same(_value_at(text, offset), value), path
        else:  # an object member: its key, then a colon, then the value
            assert isinstance(key, str)
            key_text, end = json.JSONDecoder().raw_decode(text, offset)
            assert key_text == key, path
            rest = text[end:].lstrip(" \t\n\r")
            assert rest.startswith(":"), path
            after = len(text) - len(rest[1:].lstrip(" \t\n\r"))
            assert _same(_value_at(text, after), value), path


@given(_DOCUMENTS, _LAYOUTS)
def test_a_missing_key_points_at_the_object_that_lacks_it(
    document: Any, layout: dict[str, Any]
) -> None:
    text = json.dumps(document, **layout)
    objects = [(path, value) for path, _, value in _members(document) if isinstance(value, dict)]
    missing = {join(path, "no such key \u2603"): value for path, value in objects}
    positions = locate(text, missing)
    for path, value in missing.items():
        offset = _offset(text, *positions[path])
        assert text[offset] == "{"
        assert _same(_value_at(text, offset), value)


def test_known_positions() -> None:
    text = (
        '{\n  "devices": [\n    {"name": "eth0", "guest_mac": "x",\n'
        '     "routes": [{"gateway": 1}, {"gateway": NaN}]},\n'
        '    {"odd key": Infinity}\n  ]\n}\n'
    )
    assert locate(
        text,
        [
            "$",
            "$.devices",
            "$.devices[0]",
            "$.devices[0].guest_mac",
            "$.devices[0].routes[1].gateway",
            "$.devices[1]['odd key']",
            "$.devices[0].netns",
            "$.devices[4]",
            "$.devices[0].routes[1].gateway.deeper",
        ],
    ) == {
        "$": (1, 1),
        "$.devices": (2, 3),
        "$.devices[0]": (3, 5),
        "$.devices[0].guest_mac": (3, 22),
        "$.devices[0].routes[1].gateway": (4, 34),
        "$.devices[1]['odd key']": (5, 6),
        "$.devices[0].netns": (3, 5),  # missing: the object's brace
        "$.devices[4]": (2, 14),  # missing: the array's bracket
        "$.devices[0].routes[1].gateway.deeper": (4, 45),  # the deepest value there is
    }


def test_a_duplicate_key_is_located_at_its_last_occurrence() -> None:
    text = '{"a": {"b": 1, "c": 2},\n "a": {"b": 3}}'
    assert locate(text, ["$.a", "$.a.b", "$.a.c"]) == {
        "$.a": (2, 2),
        "$.a.b": (2, 8),
        "$.a.c": (2, 7),  # not in the kept object: its brace
    }


def test_escaped_and_odd_keys() -> None:
    key = "it's \\ \u0001 \U0001f600 \ud800"
    text = json.dumps({"x": 1, key: [0, {"y": 2}]})
    path = join("$", key) + "[1].y"
    assert steps(path) == [key, 1, "y"]
    offset = _offset(text, *locate(text, [path])[path])
    assert text[offset : offset + 3] == '"y"'


def test_text_that_is_not_json_gives_the_best_position_so_far() -> None:
    assert locate('{"a": [1, 2', ["$.a[1]", "$.a[5]", "$.b"]) == {
        "$.a[1]": (1, 11),
        "$.a[5]": (1, 7),
        "$.b": (1, 1),
    }
    assert locate('{"a": nope, "b": {"c": -Infinity, "d": [}', ["$.b.d", "$.b.c"]) == {
        "$.b.c": (1, 19),
        "$.b.d": (1, 35),
    }
    assert locate("", ["$"]) == {}
    assert locate("   ", ["$.a"]) == {}


def test_paths_not_in_danmodels_syntax_are_left_out() -> None:
    assert locate('{"a": 1}', ["a", "$..a", "$[x]", "$.a"]) == {"$.a": (1, 2)}
    assert locate('{"a": 1}', []) == {}


def test_deep_nesting_does_not_recurse() -> None:
    text = "[" * 100_000 + "]" * 100_000
    assert locate(text, ["$[0][0]", "$[1]"]) == {"$[0][0]": (1, 3), "$[1]": (1, 1)}
    skipped = '{"a": ' + "[" * 100_000 + "]" * 100_000 + ', "b": 1}'
    assert locate(skipped, ["$.b"]) == {"$.b": (1, 200_009)}


_PAIRS = st.lists(
    st.tuples(st.sampled_from(["a", "b", "é", "a b"]), st.integers() | st.just(float("nan"))),
    min_size=1,
    max_size=6,
)


@given(_PAIRS, _PAIRS, st.sampled_from(["", " ", "\n  "]))
def test_duplicate_keys_are_located_at_their_last_occurrence(
    outer: list[tuple[str, object]], inner: list[tuple[str, object]], space: str
) -> None:
    # Build the text by hand, noting where each key starts: json.dumps cannot repeat keys.
    text = ""
    last: dict[str, int] = {}
    inner_last: dict[str, int] = {}

    def write_object(pairs: list[tuple[str, object]], where: dict[str, int]) -> None:
        nonlocal text
        text += "{" + space
        for index, (key, value) in enumerate(pairs):
            if index:
                text += "," + space
            where[key] = len(text)
            text += json.dumps(key) + ":" + space + json.dumps(value)
        text += space + "}"

    text += "{" + space + '"x":' + space
    write_object(inner, inner_last)
    text += "," + space
    for key, value in outer:
        last[key] = len(text)
        text += json.dumps(key) + ":" + space + json.dumps(value) + "," + space
    text += '"x":' + space + "1}"  # a later "x" wins: the object above is not the kept value
    paths = {join("$", key): offset for key, offset in last.items()}
    inner_paths = {join("$.x", key) for key in inner_last}
    found = locate(text, [*paths, *inner_paths])
    for path, offset in paths.items():
        assert _offset(text, *found[path]) == offset, path
    last_x = text.rindex('"x"')
    for path in inner_paths:  # under the kept "x", 1, which has no keys: the value itself
        assert _offset(text, *found[path]) == text.index("1}", last_x), path


@given(_DOCUMENTS, _LAYOUTS, st.data())
def test_a_text_without_duplicate_keys_may_stop_early_with_the_same_result(
    document: Any, layout: dict[str, Any], data: st.DataObject
) -> None:
    # Python dicts hold no duplicate key, so neither does their JSON text.
    text = json.dumps(document, **layout)
    members = [path for path, _, _ in _members(document)]
    objects = [path for path, _, value in _members(document) if isinstance(value, dict)]
    paths = data.draw(st.lists(st.sampled_from(members + [join(p, "gone") for p in objects])))
    assert locate(text, paths, unique_keys=True) == locate(text, paths)

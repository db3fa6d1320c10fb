"""Structure-aware fuzzing of every public reader and of check: only DanError, and round trips.

Each target takes valid documents with one to three structural changes (values
replaced by any JSON, keys deleted or added, devices copied, the root changed)
and text-level damage (truncation, a byte changed, duplicate keys, NaN, huge
numbers). The number of inputs is the profile's fuzz budget: 60 per target
locally, 300 in CI (tests/conftest.py). Time and memory per input are measured by
benchmarks/bounds.py, not here; what is asserted per input is a deterministic
stand-in for time: the function calls it took (``CallCounter``) stay within a
bound linear in its length.
"""

from __future__ import annotations

import contextlib
import json
import warnings
from typing import Any

from hypothesis import given, reject, settings
from hypothesis import strategies as st

import danmodel
from conftest import budget
from danmodel import agent, cni, strategies
from danmodel._cni_strategies import cni_results
from test_linear_work import CallCounter
from test_schema_agreement import mutated_documents

_FUZZ = settings(max_examples=budget("fuzz"))

_DAMAGE = st.sampled_from(
    [
        lambda text, n: text[: n % (len(text) + 1)],
        lambda text, n: text[: n % len(text)] + chr(n % 128) + text[n % len(text) + 1 :],
        lambda text, n: text.replace('"name"', '"name": "x", "name"', 1),
        lambda text, n: text.replace("1500", "NaN", 1).replace("0,", "Infinity,", 1),
        lambda text, n: text.replace(": 0", ": " + "9" * (4000 + n % 1000), 1),
        lambda text, n: text.replace("/24", "/" + "9" * (4300 + n % 100), 1),
        lambda text, n: "[" * (n % 5000) + text,
        lambda text, n: text.encode("utf-8")[: n % (len(text) + 1)].decode("latin-1"),
    ]
)


@st.composite
def damaged_texts(draw: st.DrawFn, documents: st.SearchStrategy[Any]) -> str:
    """A document's JSON text, maybe damaged at the text level."""
    text = json.dumps(draw(documents), indent=draw(st.sampled_from([None, 2])))
    if draw(st.booleans()):
        text = draw(_DAMAGE)(text, draw(st.integers(0, 10**6)))
    return text


CALLS_PER_CHARACTER = 8
CALLS_AT_LEAST = 40_000
"""The work bound of one input: ``CALLS_AT_LEAST + CALLS_PER_CHARACTER * len(text)`` calls.
Valid documents take about 1 call per character, problems and findings a few hundred each."""


def _quietly(function: Any, *args: Any, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", danmodel.IgnoredKeysWarning)
        return function(*args, **kwargs)


def _bounded(text: str, function: Any, *args: Any, **kwargs: Any) -> Any:
    """``function(*args, **kwargs)``, asserting its work is within the bound for ``text``."""
    counter = CallCounter()
    try:
        with counter:
            return _quietly(function, *args, **kwargs)
    finally:
        bound = CALLS_AT_LEAST + CALLS_PER_CHARACTER * len(text)
        assert counter.calls <= bound, f"{counter.calls} calls for {len(text)} characters"


@_FUZZ
@given(damaged_texts(mutated_documents(2)), st.booleans())
def test_loads_raises_only_dan_errors_and_round_trips_what_it_accepts(
    text: str, strict: bool
) -> None:
    try:
        config = _bounded(text, danmodel.loads, text, strict=strict)
    except danmodel.DanError:
        return
    written = danmodel.dumps(config)
    assert danmodel.loads(written) == config
    assert danmodel.dumps(danmodel.loads(written)) == written


@_FUZZ
@given(damaged_texts(mutated_documents(2)), st.sampled_from(["runtime-rs", "go-runtime@3.10"]))
def test_check_never_raises_on_text(text: str, runtime: str) -> None:
    findings = _bounded(text, danmodel.check, text, runtime)
    assert all(finding.path.startswith("$") for finding in findings)


@st.composite
def _agent_documents(draw: st.DrawFn) -> object:
    try:
        network = agent.from_dan_config(draw(strategies.dan_configs())).value
    except danmodel.DanError:  # a config the agent cannot carry (flags past int32): not a target
        reject()
    document: Any = agent.to_dict(network)
    if draw(st.booleans()) and document["interfaces"]:
        interface = document["interfaces"][0]
        key = draw(st.sampled_from(sorted(interface)))
        interface[key] = draw(
            st.one_of(st.none(), st.integers(), st.text(max_size=8), st.just("9" * 5000))
        )
    return document


@_FUZZ
@given(damaged_texts(_agent_documents()))
def test_agent_loads_raises_only_dan_errors_and_round_trips(text: str) -> None:
    try:
        network = _bounded(text, agent.loads, text)
    except danmodel.DanError:
        return
    assert agent.loads(agent.dumps(network)) == network
    with contextlib.suppress(danmodel.DanError):
        agent.to_dan_config(network, devices={})


@st.composite
def _cni_documents(draw: st.DrawFn) -> object:
    result: Any = json.loads(json.dumps(draw(cni_results())))
    if draw(st.booleans()):
        key = draw(st.sampled_from(sorted(result)))
        result[key] = draw(st.one_of(st.none(), st.integers(), st.text(max_size=8), st.just([{}])))
    return result


@_FUZZ
@given(damaged_texts(_cni_documents()), st.sampled_from([None, 0, 5]))
def test_cni_readers_raise_only_dan_errors(text: str, interface: int | None) -> None:
    try:
        converted = _bounded(text, cni.to_dan_device, text, name="eth0", interface=interface)
    except danmodel.DanError:
        return
    assert danmodel.loads(danmodel.dumps(danmodel.DanConfig(devices=[converted.value])))

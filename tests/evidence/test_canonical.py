"""RFC 8785 canonical JSON and payload hashes."""

import hashlib
import json
from enum import StrEnum

import pytest
import rfc8785
from eth_utils.crypto import keccak
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence.canonical import canonical_json, canonical_string, payload_hash
from evidence.cid import payload_cid
from evidence.errors import LedgerValueError


def test_rfc8785_section_3_2_2_sample() -> None:
    # The example of RFC 8785 section 3.2.2 (whitespace, escapes, numbers, literals).
    text = (
        '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],'
        ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}'
    )
    expected = (
        '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    )
    assert canonical_json(json.loads(text)) == expected.encode()


def test_rfc8785_section_3_2_3_property_order_by_utf16_code_units() -> None:
    value = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    keys = list(json.loads(canonical_json(value)).keys())
    assert keys == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (0.0, "0"),
        (-0.0, "0"),
        (1e21, "1e+21"),
        (1e-7, "1e-7"),
        (123456789012345680000.0, "123456789012345680000"),
        (5e-324, "5e-324"),
        (9007199254740991, "9007199254740991"),
    ],
)
def test_rfc8785_number_serialisation(number: float, text: str) -> None:
    assert canonical_json(number) == text.encode()


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), {1: "non-string key"}])
def test_values_json_cannot_carry_are_refused(bad: object) -> None:
    with pytest.raises(LedgerValueError, match="RFC 8785"):
        canonical_json(bad)


def test_payload_hash_is_keccak_of_canonical_bytes() -> None:
    data = canonical_json({"b": 1, "a": [True, None]})
    assert data == b'{"a":[true,null],"b":1}'
    assert payload_hash(data) == keccak(data)
    assert payload_hash(data).hex() == keccak(b'{"a":[true,null],"b":1}').hex()


def test_payload_cid_matches_ipfs_raw_leaf_cid() -> None:
    # `ipfs add --cid-version=1 --raw-leaves` of the five bytes "hello".
    assert payload_cid(b"hello") == "bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq"


def test_payload_cid_equals_the_multiformats_library() -> None:
    import os

    from multiformats import CID, multihash

    for size in (0, 1, 31, 32, 33, 1000, 262_144):
        data = os.urandom(size)
        expected = CID("base32", 1, "raw", multihash.wrap(hashlib.sha256(data).digest(), "sha2-256"))
        assert payload_cid(data) == str(expected)


def _rfc8785(value: object) -> bytes | None:
    """The library's own answer (canonical_json takes a faster path where it agrees)."""
    try:
        return rfc8785.dumps(value)  # type: ignore[arg-type]  # any Python value, on purpose
    except (rfc8785.CanonicalizationError, TypeError):
        return None


def _rfc8785_says(data: bytes) -> bool:
    try:
        return _rfc8785(json.loads(data)) == data
    except ValueError:
        return False


EDGE_CASES = [
    rb'{"a":1,"b":[true,false,null],"c":{"d":"e"}}',
    rb'{"b":1,"a":2}',  # keys out of order
    rb'{"a": 1}',  # whitespace
    rb'{"a":"\u0041"}',  # an escape JCS does not use
    rb'{"a":"\/"}',
    rb'{"a":"\u001f\n\t\"\\"}',
    rb'{"a":"\u000A"}',  # upper-case hex escape
    rb'{"a":"\u007f"}',  # DEL escaped: JCS leaves it raw
    b'{"a":"\x7f"}',  # DEL raw
    rb'{"a":1.0}',
    rb'{"a":1}',
    rb'{"a":1e21}',
    rb'{"a":100.5}',
    rb'{"a":-0}',
    rb'{"a":9007199254740991}',
    rb'{"a":9007199254740992}',  # beyond 2**53 - 1
    rb'{"a":-9007199254740991}',
    rb'{"a":1,"a":2}',  # duplicate keys
    '{"é":1,"e":2}'.encode(),
    '{"e":2,"é":1}'.encode(),
    rb'{"\ud83d\ude00":1,"\ufb01":2}',  # the RFC's UTF-16 order example, escaped
    '{"\U0001f600":1,"\ufb01":2}'.encode(),
    '{"\ufb01":2,"\U0001f600":1}'.encode(),
    rb'[1,2,{"x":[]}]',
    rb'"just a string"',
    rb"{}",
]


@pytest.mark.parametrize("data", EDGE_CASES)
def test_is_canonical_agrees_with_rfc8785(data: bytes) -> None:
    from evidence.canonical import is_canonical

    assert is_canonical(data, json.loads(data)) == _rfc8785_says(data)


def test_is_canonical_agrees_with_rfc8785_on_every_gs1_example_event() -> None:
    from evidence.canonical import is_canonical
    from tests.support import epcis_example_files

    checked = 0
    for path in epcis_example_files():
        document = json.loads(path.read_text())
        events = (document.get("epcisBody") or {}).get("eventList") or [document]
        for event in events:
            for data in (canonical_json(event), json.dumps(event).encode(), json.dumps(event, sort_keys=True).encode()):
                assert is_canonical(data, json.loads(data)) == _rfc8785_says(data), path.name
                checked += 1
    assert checked > 100


def test_keccak256_is_ethereums() -> None:
    import os

    from evidence.keccak import keccak256

    for size in (0, 1, 135, 136, 137, 1000):
        data = os.urandom(size)
        assert keccak256(data) == keccak(data)


class _Colour(StrEnum):
    RED = "red"


PYTHON_VALUES: list[object] = [
    {1: "a"},  # a key JSON cannot carry
    {"a": (1, 2)},
    {"a": 2**53},
    {"a": -(2**53) + 1},
    {"a": 0.5},
    {"a": float("nan")},
    {"a": _Colour.RED, _Colour.RED: True},
    {"z": None, "a": [{"b": "\u2028"}], "é": "x"},
    "\ud800",  # a lone surrogate
    object(),
]


@pytest.mark.parametrize("value", [json.loads(d) for d in EDGE_CASES] + PYTHON_VALUES)
def test_canonical_json_is_rfc8785s_answer(value: object) -> None:
    expected = _rfc8785(value)
    if expected is None:
        with pytest.raises(LedgerValueError):
            canonical_json(value)
    else:
        assert canonical_json(value) == expected


def test_canonical_json_is_rfc8785s_answer_on_every_gs1_example() -> None:
    from tests.support import epcis_example_files

    for path in epcis_example_files():
        document = json.loads(path.read_text())
        assert canonical_json(document) == rfc8785.dumps(document), path.name


@settings(max_examples=500, deadline=None)
@given(st.text())
def test_canonical_string_is_rfc8785s_answer(text: str) -> None:
    """Any text (quotes, backslashes, control characters, DEL, non-ASCII, astral planes)."""
    assert canonical_string(text).encode() == rfc8785.dumps(text)

"""RFC 8785 canonical JSON and payload hashes."""

import hashlib
import json

import pytest
from eth_utils import keccak

from evidence.canonical import canonical_json, payload_hash
from evidence.cid import payload_cid
from evidence.errors import LedgerValueError


def test_rfc8785_section_3_2_2_sample():
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


def test_rfc8785_section_3_2_3_property_order_by_utf16_code_units():
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
def test_rfc8785_number_serialisation(number, text):
    assert canonical_json(number) == text.encode()


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), {1: "non-string key"}])
def test_values_json_cannot_carry_are_refused(bad):
    with pytest.raises(LedgerValueError, match="RFC 8785"):
        canonical_json(bad)


def test_payload_hash_is_keccak_of_canonical_bytes():
    data = canonical_json({"b": 1, "a": [True, None]})
    assert data == b'{"a":[true,null],"b":1}'
    assert payload_hash(data) == keccak(data)
    assert payload_hash(data).hex() == keccak(b'{"a":[true,null],"b":1}').hex()


def test_payload_cid_matches_ipfs_raw_leaf_cid():
    # `ipfs add --cid-version=1 --raw-leaves` of the five bytes "hello".
    assert payload_cid(b"hello") == "bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq"


def test_payload_cid_equals_the_multiformats_library():
    import os

    from multiformats import CID, multihash

    for size in (0, 1, 31, 32, 33, 1000, 262_144):
        data = os.urandom(size)
        expected = CID("base32", 1, "raw", multihash.wrap(hashlib.sha256(data).digest(), "sha2-256"))
        assert payload_cid(data) == str(expected)

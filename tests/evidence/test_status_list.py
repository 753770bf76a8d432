"""Bitstring Status List encoding, checked against Node's own zlib and base64url (another
implementation of GZIP and of the encoding than Python's)."""

from __future__ import annotations

import base64
import gzip
import json
import shutil
import subprocess

import pytest

from evidence.errors import LedgerValueError
from evidence.status_list import MAX_BITS, MIN_BITS, decode, encode, is_set, new_list, set_bit

NODE_DECODE = """
const zlib = require("zlib");
const encoded = process.argv[1];
if (!encoded.startsWith("u")) throw new Error("not multibase base64url");
const bits = zlib.gunzipSync(Buffer.from(encoded.slice(1), "base64url"));
const set = [];
for (let i = 0; i < bits.length * 8; i++) if (bits[i >> 3] & (0x80 >> (i & 7))) set.push(i);
console.log(JSON.stringify({length: bits.length * 8, set}));
"""


def node_decode(encoded: str) -> dict[str, object]:
    node = shutil.which("node")
    assert node is not None, "node is needed (make setup installs npm packages with it)"
    run = subprocess.run([node, "-e", NODE_DECODE, encoded], capture_output=True, text=True, timeout=60, check=True)
    return dict(json.loads(run.stdout))


def test_bits_are_numbered_from_the_most_significant_bit_of_the_first_byte() -> None:
    data = new_list()
    for index in (0, 9, MIN_BITS - 1):
        set_bit(data, index, True)
    assert data[0] == 0x80 and data[1] == 0x40 and data[-1] == 0x01
    assert [i for i in (0, 1, 8, 9, MIN_BITS - 1) if is_set(data, i)] == [0, 9, MIN_BITS - 1]
    set_bit(data, 9, False)
    assert not is_set(data, 9)


def test_an_encoded_list_reads_the_same_in_another_implementation() -> None:
    data = new_list()
    revoked = [0, 7, 42, 1000, 65_535, MIN_BITS - 1]
    for index in revoked:
        set_bit(data, index, True)
    encoded = encode(data)
    assert encoded.startswith("u") and "=" not in encoded and encode(data) == encoded  # stable
    assert node_decode(encoded) == {"length": MIN_BITS, "set": revoked}
    assert decode(encoded) == bytes(data)


def test_what_is_not_a_status_list_is_refused_by_name() -> None:
    with pytest.raises(LedgerValueError, match="starts with 'u'"):
        decode("H4sI")
    with pytest.raises(LedgerValueError, match="not base64url of GZIP"):
        decode("u" + base64.urlsafe_b64encode(b"plain bytes").decode())
    short = "u" + base64.urlsafe_b64encode(gzip.compress(bytes(16))).decode().rstrip("=")
    with pytest.raises(LedgerValueError, match=f"at least {MIN_BITS} bits"):
        decode(short)
    bomb = "u" + base64.urlsafe_b64encode(gzip.compress(bytes(MAX_BITS // 8 + 1))).decode().rstrip("=")
    with pytest.raises(LedgerValueError, match="more than"):
        decode(bomb)
    cut = encode(new_list())[:-12]
    with pytest.raises(LedgerValueError):
        decode(cut)
    with pytest.raises(LedgerValueError, match="outside the list"):
        is_set(new_list(), MIN_BITS)
    with pytest.raises(LedgerValueError, match="multiple of 8"):
        new_list(1000)

"""Content identifiers of payloads (IPFS CIDv1, raw codec, sha2-256)."""

from __future__ import annotations

import base64
import hashlib

# CIDv1 ‖ raw codec (0x55) ‖ sha2-256 multihash (0x12, 32 bytes): the fixed prefix of every payload CID.
_RAW_SHA256_PREFIX = bytes([0x01, 0x55, 0x12, 0x20])


def payload_cid(payload_bytes: bytes) -> str:
    """The CIDv1 (base32, raw, sha2-256) of payload bytes.

    This is the CID ``ipfs add --cid-version=1`` gives a file of at most one chunk
    (256 KiB), which every canonical event payload is. Encoded directly (a fixed prefix and
    RFC 4648 base32): the same string the ``multiformats`` library builds, which a test
    checks, at a thirtieth of the cost — verification computes one per entry.
    """
    digest = hashlib.sha256(payload_bytes).digest()
    return "b" + base64.b32encode(_RAW_SHA256_PREFIX + digest).decode("ascii").lower().rstrip("=")

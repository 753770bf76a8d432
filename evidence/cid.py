"""Content identifiers of payloads (IPFS CIDv1, raw codec, sha2-256)."""

from __future__ import annotations

import hashlib

from multiformats import CID, multihash


def payload_cid(payload_bytes: bytes) -> str:
    """The CIDv1 (base32, raw, sha2-256) of payload bytes.

    This is the CID ``ipfs add --cid-version=1`` gives a file of at most one chunk
    (256 KiB), which every canonical event payload is.
    """
    digest = hashlib.sha256(payload_bytes).digest()
    return str(CID("base32", 1, "raw", multihash.wrap(digest, "sha2-256")))

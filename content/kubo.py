"""Content in a kubo IPFS node, through ipfshttpclient.

ipfshttpclient 0.7 refuses daemons newer than 0.8 in ``connect()``; current kubo speaks the
same RPC for add, pin and cat, so the client is built directly and the version checked here
against a minimum only.
"""

from __future__ import annotations

import io
from typing import Any

import ipfshttpclient
from packaging.version import InvalidVersion, Version

from content.store import ContentIntegrityError, ContentNotFound, ContentUnavailable, StoredContent, describe
from evidence.cid import payload_cid

MINIMUM_KUBO = Version("0.4.23")


def _client(address: str, timeout: float) -> Any:
    try:
        client = ipfshttpclient.Client(address, timeout=timeout)
        version = client.version()["Version"]
    except ipfshttpclient.exceptions.Error as exc:
        raise ContentUnavailable(f"no IPFS API answers at {address}: {exc}") from exc
    try:
        if Version(version) < MINIMUM_KUBO:
            raise ContentUnavailable(f"kubo {version} at {address} is older than {MINIMUM_KUBO}")
    except InvalidVersion:
        pass
    return client


class KuboStore:
    """Documents added to and pinned in a kubo node; reads re-hashed locally."""

    name = "kubo"

    def __init__(self, address: str, timeout: float = 120.0) -> None:
        self.address = address
        self._client = _client(address, timeout)

    def add(self, content: bytes) -> StoredContent:
        """``ipfs add`` with kubo's defaults (CIDv0, no raw leaves), pinned."""
        expected = describe(content)
        try:
            answer = self._client.add_bytes(content, opts={"cid-version": "0", "raw-leaves": "false", "pin": "true"})
        except ipfshttpclient.exceptions.Error as exc:
            raise ContentUnavailable(f"IPFS add failed at {self.address}: {exc}") from exc
        cid = answer if isinstance(answer, str) else answer["Hash"]
        if cid != expected.cid_v0:
            raise ContentIntegrityError(
                f"kubo stored the document as {cid}, expected {expected.cid_v0}: the node does not use "
                "the default chunker and layout"
            )
        return expected

    def put_raw(self, data: bytes) -> str:
        """``ipfs block put --cid-codec=raw --mhtype=sha2-256 --pin``."""
        expected = payload_cid(data)
        try:
            answer = self._client.block.put(
                io.BytesIO(data), opts={"cid-codec": "raw", "mhtype": "sha2-256", "pin": "true"}
            )
        except ipfshttpclient.exceptions.Error as exc:
            raise ContentUnavailable(f"IPFS block put failed at {self.address}: {exc}") from exc
        if answer["Key"] != expected:
            raise ContentIntegrityError(f"kubo stored the block as {answer['Key']}, expected {expected}")
        return expected

    def get_raw(self, cid: str) -> bytes:
        """``ipfs block get``, re-hashed here."""
        try:
            data: bytes = self._client.block.get(cid)
        except ipfshttpclient.exceptions.ErrorResponse as exc:
            raise ContentNotFound(f"IPFS has no block {cid}: {exc}") from exc
        except ipfshttpclient.exceptions.Error as exc:
            raise ContentUnavailable(f"IPFS block get failed at {self.address}: {exc}") from exc
        if payload_cid(data) != cid:
            raise ContentIntegrityError(f"IPFS returned a block whose CID is {payload_cid(data)}, not {cid}")
        return data

    def cat(self, cid: str) -> bytes:
        """The bytes under ``cid``, recomputed and compared with it."""
        try:
            content: bytes = self._client.cat(cid)
        except ipfshttpclient.exceptions.ErrorResponse as exc:
            raise ContentNotFound(f"IPFS has no {cid}: {exc}") from exc
        except ipfshttpclient.exceptions.Error as exc:
            raise ContentUnavailable(f"IPFS cat failed at {self.address}: {exc}") from exc
        actual = describe(content)
        if cid not in (actual.cid_v0, actual.cid_v1):
            raise ContentIntegrityError(f"IPFS returned bytes whose CID is {actual.cid_v0}, not {cid}")
        return content

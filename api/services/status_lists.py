"""Publishing each issuer's Bitstring Status Lists, and anchoring every version's hash.

A credential's bits follow what it attests: an AEO status credential is suspended while its
certificate is suspended and revoked once the certificate is revoked (expiry needs no bit:
it is the credential's own ``validUntil``); any credential is revoked when its issuer revokes
it or issues a newer one about the same subject. A worker recomputes the lists every
``interval`` seconds and publishes a new version, signed and anchored in StatusListAnchors,
only when a bit changed; a list's earlier versions stay available, so what it said at a past
block can be shown and checked against the chain.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from typing import Any

from eth_utils.crypto import keccak

from api.services.errors import NotFound
from api.services.issuers import Issuer, IssuersService
from api.services.members import MembersService
from api.services.node import Node
from api.services.worker import PeriodicWorker
from chain.aeo import AEOClient
from chain.status_anchors import StatusListAnchorsClient
from evidence import status_list
from evidence.vc import CredentialKind, StatusPurpose, read_unverified, status_list_credential

log = logging.getLogger("borderledger.status_lists")


def list_hash(token: str) -> str:
    """What StatusListAnchors records of a published list: keccak256 of its vc+jwt text."""
    return "0x" + keccak(text=token).hex()


class StatusListService(PeriodicWorker):
    """The status lists of this node's issuers; :meth:`run_once` is one publishing pass."""

    name = "status-lists"
    failure = "status list pass failed; retrying"

    def __init__(
        self,
        node: Node,
        members: MembersService,
        issuers: IssuersService,
        aeo: AEOClient | None,
        anchors: StatusListAnchorsClient | None,
        interval: float = 1.0,
    ) -> None:
        super().__init__(interval, log)
        self.node = node
        self.members = members
        self.issuers = issuers
        self.aeo = aeo
        self.anchors = anchors
        self._publish_lock = threading.Lock()

    def run_once(self) -> None:
        """Publish every list whose bits changed."""
        for issuer in self.issuers.local_issuers():
            self.publish(issuer)

    # --- computing and publishing ------------------------------------------------------

    def bits(self, issuer: Issuer) -> dict[StatusPurpose, bytearray]:
        """Both lists of ``issuer`` as they should read now."""
        lists = {purpose: status_list.new_list() for purpose in StatusPurpose}
        certificates: dict[str, str] = {}
        for row in self.node.index.credentials_of(issuer=issuer.member.address):
            revoked = row["revoked_at"] is not None
            suspended = False
            if row["kind"] == CredentialKind.AEO_STATUS.value and self.aeo is not None:
                number = row["subject_ref"]
                if number not in certificates:
                    certificates[number] = self.aeo.certificate(number).status
                revoked = revoked or certificates[number] == "revoked"
                suspended = certificates[number] == "suspended"
            index = int(row["status_index"])
            status_list.set_bit(lists[StatusPurpose.REVOCATION], index, revoked)
            status_list.set_bit(lists[StatusPurpose.SUSPENSION], index, suspended and not revoked)
        return lists

    def publish(self, issuer: Issuer) -> list[dict[str, Any]]:
        """Publish (sign, store, anchor) each list of ``issuer`` whose bits changed; the new versions."""
        published = []
        with self._publish_lock:
            for purpose, bits in self.bits(issuer).items():
                encoded = status_list.encode(bits)
                latest = self.node.index.latest_status_list(issuer.member.address, purpose.value)
                url = issuer.status_list_url(purpose)
                if latest is not None and _encoded_list(latest["token"]) == encoded:
                    if latest["tx_hash"] is None:  # published, but the chain did not take its anchor then
                        self._anchor(issuer, url, latest)
                    continue
                token = self.issuers.sign(
                    issuer, status_list_credential(url, issuer.did, purpose, encoded, datetime.now(UTC))
                )
                version = 1 if latest is None else int(latest["version"]) + 1
                row = {
                    "issuer": issuer.member.address,
                    "purpose": purpose.value,
                    "version": version,
                    "token": token,
                    "list_hash": list_hash(token),
                    "published_at": datetime.now(UTC),
                }
                self.node.index.add_status_list_version(row)
                self._anchor(issuer, url, row)
                published.append(row)
        return published

    def _anchor(self, issuer: Issuer, url: str, row: dict[str, Any]) -> None:
        if self.anchors is None:
            return
        account = self.members.account(issuer.member)
        receipt = self.anchors.anchor(account, url, row["version"], bytes.fromhex(row["list_hash"][2:]))
        self.node.index.set_status_list_anchor(
            issuer.member.address, row["purpose"], row["version"], receipt.tx_hash, receipt.block_number
        )

    # --- serving ---------------------------------------------------------------------

    def current(self, slug: str, purpose: StatusPurpose) -> str:
        """The newest published list (published now if it never was)."""
        issuer = self.issuers.by_slug(slug)
        latest = self.node.index.latest_status_list(issuer.member.address, purpose.value)
        if latest is None and self.node.index.issuer_keys(issuer.member.address):
            self.publish(issuer)  # issued a moment ago, before the worker's pass
            latest = self.node.index.latest_status_list(issuer.member.address, purpose.value)
        if latest is None:
            raise NotFound(f"{issuer.did} has published no {purpose.value} list")
        return str(latest["token"])

    def at_block(self, slug: str, purpose: StatusPurpose, block: int) -> dict[str, Any]:
        """The version anchored in force at ``block``, with the chain's hash of it and whether
        the stored text matches that hash."""
        issuer = self.issuers.by_slug(slug)
        if self.anchors is None:
            raise NotFound("this deployment has no StatusListAnchors")
        url = issuer.status_list_url(purpose)
        anchored = self.anchors.latest(issuer.member.address, url, block)
        if anchored.version == 0:
            raise NotFound(f"no version of {url} was anchored at block {block}")
        row = self.node.index.status_list_version(issuer.member.address, purpose.value, anchored.version)
        if row is None:
            raise NotFound(f"this node does not hold version {anchored.version} of {url}")
        return {
            "list": url,
            "block": block,
            "version": anchored.version,
            "anchored_hash": anchored.list_hash,
            "anchored_block": anchored.anchored_block,
            "hash_matches": list_hash(row["token"]) == anchored.list_hash,
            "credential": row["token"],
        }


def _encoded_list(token: str) -> str:
    _, payload = read_unverified(token)
    return str(payload["credentialSubject"]["encodedList"])

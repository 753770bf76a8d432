"""Credential issuers held by this node: their did:web identities, signing keys (rotated,
never deleted) and DID documents.

An issuer is a member whose custodial key this node holds and who may issue (customs
administrations); its DID is minted from the node's public HTTPS origin and its legal id:
``did:web:customs.example:issuers:de-gzd``. The DID document names the member's chain
account too (``alsoKnownAs``, a did:pkh), so a verifier can tie the issuer to the
consortium member that anchors its status lists.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from typing import Any

from joserfc.jwk import ECKey

from api.index.rows import Participant
from api.services.errors import NotFound
from api.services.members import MembersService
from api.services.node import Node
from evidence.did_web import did_document, did_web
from evidence.roles import Role
from evidence.rules.aeo import require_customs
from evidence.vc import StatusPurpose, sign


def issuer_slug(legal_id: str) -> str:
    """The path segment of an issuer's DID: its legal id, lower case, URL-safe."""
    return re.sub(r"[^a-z0-9-]+", "-", legal_id.lower()).strip("-")


@dataclass(frozen=True)
class Issuer:
    """One issuer this node holds."""

    member: Participant
    did: str
    slug: str
    public_url: str

    def status_list_url(self, purpose: StatusPurpose) -> str:
        """Where its ``purpose`` status list credential is published."""
        return f"{self.public_url}/issuers/{self.slug}/status/{purpose.value}"

    def status_list_urls(self) -> dict[StatusPurpose, str]:
        """Both its lists."""
        return {p: self.status_list_url(p) for p in StatusPurpose}


class IssuersService:
    """Issuer identities, keys and DID documents."""

    def __init__(self, node: Node, members: MembersService, public_url: str) -> None:
        self.node = node
        self.members = members
        self.public_url = public_url.rstrip("/")
        self._key_lock = threading.Lock()

    def of(self, member: Participant) -> Issuer:
        """The issuer identity of a member this node holds."""
        slug = issuer_slug(member.legal_id)
        return Issuer(member, did_web(self.public_url, "issuers", slug), slug, self.public_url)

    def by_slug(self, slug: str) -> Issuer:
        """The issuer a DID path names; NotFound unless this node holds a customs member of that legal id."""
        for member in self.node.index.participants():
            if member.keystore is not None and Role.CUSTOMS in member.roles and issuer_slug(member.legal_id) == slug:
                return self.of(member)
        raise NotFound(f"this node holds no issuer {slug!r}")

    def issuer_for(self, caller: Participant) -> Issuer:
        """The caller as an issuer: an active customs administration whose key this node holds."""
        require_customs(self.members.view_of(caller))
        if caller.keystore is None:
            raise NotFound("credentials are signed by the node holding the issuer's key; this node holds none")
        return self.of(caller)

    def local_issuers(self) -> list[Issuer]:
        """Every issuer of this node that has a signing key."""
        return [
            self.of(m)
            for m in self.node.index.participants()
            if m.keystore is not None and self.node.index.issuer_keys(m.address)
        ]

    # --- keys ------------------------------------------------------------------------

    def signing_key(self, issuer: Issuer) -> tuple[str, dict[str, Any]]:
        """(kid, private JWK) of the issuer's current key, created on first use."""
        with self._key_lock:
            keys = self.node.index.issuer_keys(issuer.member.address)
            if not keys:
                self._add_key(issuer)
                keys = self.node.index.issuer_keys(issuer.member.address)
        current = keys[-1]
        key = self.node.keyring.open_signing_key(current["private_pem"])
        return str(current["kid"]), key.as_dict(private=True)

    def rotate(self, caller: Participant) -> dict[str, Any]:
        """A new signing key for the caller; older keys stay in its DID document, retired."""
        issuer = self.issuer_for(caller)
        with self._key_lock:
            self._add_key(issuer)
        return self.document(issuer.slug)

    def _add_key(self, issuer: Issuer) -> None:
        key = ECKey.generate_key("P-256", private=True)
        kid = f"{issuer.did}#{key.thumbprint()}"  # RFC 7638: the key names itself
        public = json.dumps(key.as_dict(private=False), sort_keys=True)
        self.node.index.add_issuer_key(issuer.member.address, kid, public, self.node.keyring.seal_signing_key(key))

    def sign(self, issuer: Issuer, payload: dict[str, Any]) -> str:
        """``payload`` secured as vc+jwt with the issuer's current key."""
        kid, private = self.signing_key(issuer)
        return sign(payload, private, kid)

    # --- DID documents ---------------------------------------------------------------

    def document(self, slug: str) -> dict[str, Any]:
        """The DID document of issuer ``slug``, every key it ever signed with included."""
        issuer = self.by_slug(slug)
        keys = self.node.index.issuer_keys(issuer.member.address)
        if not keys:
            raise NotFound(f"{issuer.did} has issued nothing yet: it has no keys")
        chain_id = self.node.chain.domain.chain_id
        account = f"did:pkh:eip155:{chain_id}:{issuer.member.address}"
        document = did_document(issuer.did, [(k["kid"], json.loads(k["public_jwk"])) for k in keys], [account])
        document["service"] = [
            {
                "id": f"{issuer.did}#status-{p.value}",
                "type": "BitstringStatusList",
                "serviceEndpoint": issuer.status_list_url(p),
            }
            for p in StatusPurpose
        ]
        return document

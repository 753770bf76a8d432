"""The node's public credential verifier: anyone, without an API key, checks a credential.

The node answers for its own issuers from its own records (it is their did:web host) and
fetches others' DID documents and status lists over HTTPS only from the hosts it was told
to trust as resolvable, so the public endpoint cannot be turned into a fetcher of arbitrary
URLs. Its trust root is its own issuers plus the DIDs configured as trusted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from api.services.errors import NotFound
from api.services.issuers import IssuersService
from api.services.status_lists import StatusListService
from client.credentials import https_fetch, verify_online
from evidence.errors import LedgerValueError
from evidence.roles import Role
from evidence.vc import StatusPurpose
from evidence.vc_verify import CredentialReport


@dataclass(frozen=True)
class VerifierSettings:
    """Whom the public verifier trusts and where it may fetch from."""

    ca_bundle: Path | None = None
    trusted_issuers: frozenset[str] = frozenset()
    resolvable_hosts: frozenset[str] = field(default_factory=frozenset)


class CredentialVerifier:
    """Verifies credentials for anyone who asks."""

    def __init__(self, issuers: IssuersService, status_lists: StatusListService, settings: VerifierSettings) -> None:
        self.issuers = issuers
        self.status_lists = status_lists
        self.settings = settings
        self._remote = https_fetch(settings.ca_bundle, settings.resolvable_hosts)

    def trusted(self) -> frozenset[str]:
        """The DIDs this verifier pins: this node's customs issuers and the configured ones."""
        own = {
            self.issuers.of(m).did
            for m in self.issuers.node.index.participants()
            if m.keystore is not None and Role.CUSTOMS in m.roles
        }
        return frozenset(own) | self.settings.trusted_issuers

    def _fetch(self, url: str) -> Any:
        prefix = self.issuers.public_url + "/issuers/"
        if not url.startswith(prefix):
            return self._remote(url)
        try:
            slug, *rest = url[len(prefix) :].split("/")
            if rest == ["did.json"]:
                return self.issuers.document(slug)
            if len(rest) == 2 and rest[0] == "status":
                return self.status_lists.current(slug, StatusPurpose(rest[1]))
        except (NotFound, ValueError) as exc:
            raise LedgerValueError(f"{url}: {exc}") from None
        raise LedgerValueError(f"{url} is nothing this node publishes")

    def verify(self, token: str, now: datetime | None = None) -> CredentialReport:
        """Every check of ``token``, now."""
        return verify_online(token, self._fetch, self.trusted(), now)

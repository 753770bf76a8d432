"""The index's SQL for verifiable credentials: issuer keys, issued credentials, published
status lists and AEO holders' disclosure consents."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

import api.index.tables as t


class CredentialQueries:
    """Credentials and their issuers' records (a part of :class:`api.index.Index`)."""

    engine: Engine

    # --- issuer keys -----------------------------------------------------------------

    def add_issuer_key(self, issuer: str, kid: str, public_jwk: str, private_pem: str) -> None:
        """A new signing key of ``issuer``; every older one is retired in the same transaction."""
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            active = (t.issuer_keys.c.issuer == issuer) & t.issuer_keys.c.retired_at.is_(None)
            conn.execute(update(t.issuer_keys).where(active).values(retired_at=now))
            conn.execute(
                insert(t.issuer_keys).values(
                    kid=kid, issuer=issuer, public_jwk=public_jwk, private_pem=private_pem, created_at=now
                )
            )

    def issuer_keys(self, issuer: str) -> list[dict[str, Any]]:
        """Every key of ``issuer``, oldest first (the last is the signing key)."""
        query = select(t.issuer_keys).where(t.issuer_keys.c.issuer == issuer).order_by(t.issuer_keys.c.created_at)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    # --- credentials -----------------------------------------------------------------

    def next_status_index(self, issuer: str) -> int:
        """The next free position in ``issuer``'s status lists."""
        query = select(func.max(t.credentials.c.status_index)).where(t.credentials.c.issuer == issuer)
        with self.engine.connect() as conn:
            last = conn.execute(query).scalar()
        return 0 if last is None else int(last) + 1

    def add_credential(self, row: dict[str, Any], supersedes: list[str]) -> bool:
        """Record an issued credential, revoking those it supersedes, in one transaction;
        False if its status index was taken meanwhile (the caller picks the next one)."""
        now = datetime.now(UTC)
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(t.credentials).values(**row))
                if supersedes:
                    where = t.credentials.c.id.in_(supersedes) & t.credentials.c.revoked_at.is_(None)
                    reason = f"superseded by {row['id']}"
                    conn.execute(update(t.credentials).where(where).values(revoked_at=now, revoked_reason=reason))
        except IntegrityError:
            return False
        return True

    def credential(self, credential_id: str) -> dict[str, Any] | None:
        """One issued credential."""
        with self.engine.connect() as conn:
            row = conn.execute(select(t.credentials).where(t.credentials.c.id == credential_id)).first()
        return dict(row._mapping) if row else None

    def credentials_of(self, subject_ref: str | None = None, issuer: str | None = None) -> list[dict[str, Any]]:
        """Issued credentials about one subject, or by one issuer, oldest first."""
        query = select(t.credentials).order_by(t.credentials.c.issued_at, t.credentials.c.status_index)
        if subject_ref is not None:
            query = query.where(t.credentials.c.subject_ref == subject_ref)
        if issuer is not None:
            query = query.where(t.credentials.c.issuer == issuer)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def revoke_credential(self, credential_id: str, reason: str) -> None:
        """Revoke a credential (final: a revoked one stays revoked)."""
        where = (t.credentials.c.id == credential_id) & t.credentials.c.revoked_at.is_(None)
        with self.engine.begin() as conn:
            conn.execute(update(t.credentials).where(where).values(revoked_at=datetime.now(UTC), revoked_reason=reason))

    # --- published status lists --------------------------------------------------------

    def latest_status_list(self, issuer: str, purpose: str) -> dict[str, Any] | None:
        """The newest published version of one of ``issuer``'s lists."""
        c = t.status_list_versions.c
        query = (
            select(t.status_list_versions)
            .where((c.issuer == issuer) & (c.purpose == purpose))
            .order_by(c.version.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return dict(row._mapping) if row else None

    def status_list_version(self, issuer: str, purpose: str, version: int) -> dict[str, Any] | None:
        """One published version."""
        c = t.status_list_versions.c
        where = (c.issuer == issuer) & (c.purpose == purpose) & (c.version == version)
        with self.engine.connect() as conn:
            row = conn.execute(select(t.status_list_versions).where(where)).first()
        return dict(row._mapping) if row else None

    def add_status_list_version(self, row: dict[str, Any]) -> None:
        """Record a newly published version."""
        with self.engine.begin() as conn:
            conn.execute(insert(t.status_list_versions).values(**row))

    def set_status_list_anchor(self, issuer: str, purpose: str, version: int, tx_hash: str, block: int) -> None:
        """Where a version's hash was anchored on chain."""
        c = t.status_list_versions.c
        where = (c.issuer == issuer) & (c.purpose == purpose) & (c.version == version)
        with self.engine.begin() as conn:
            conn.execute(update(t.status_list_versions).where(where).values(tx_hash=tx_hash, block_number=block))

    # --- disclosure consents ------------------------------------------------------------

    def set_disclosure_consent(self, certificate: str, elements: list[str], holder: str) -> None:
        """The data elements the holder of ``certificate`` consents to disclose (replacing any before)."""
        values = {"elements": ",".join(elements), "consented_by": holder, "consented_at": datetime.now(UTC)}
        with self.engine.begin() as conn:
            where = t.disclosure_consents.c.certificate == certificate
            if conn.execute(update(t.disclosure_consents).where(where).values(**values)).rowcount == 0:
                conn.execute(insert(t.disclosure_consents).values(certificate=certificate, **values))

    def disclosure_consent(self, certificate: str) -> list[str]:
        """The data elements the holder consented to disclose (none unless it said so)."""
        where = t.disclosure_consents.c.certificate == certificate
        with self.engine.connect() as conn:
            elements = conn.execute(select(t.disclosure_consents.c.elements).where(where)).scalar()
        return [e for e in (elements or "").split(",") if e]

"""Verifying a ``vc+jwt`` credential on line, as anyone outside the consortium would: resolve
the issuer's did:web over HTTPS, fetch its status lists, check against the pinned JSON
Schema, then run :func:`evidence.vc_verify.verify_credential`. What cannot be fetched is
reported as not checked.

The HTTPS fetches go to the hosts the credential names: a caller that verifies credentials
for others (the node's public endpoint) limits them to hosts it knows.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import requests

from evidence.did_web import document_url
from evidence.errors import LedgerValueError
from evidence.vc import CREDENTIAL_SCHEMA
from evidence.vc_verify import CredentialReport, Resolved, SchemaCheck, Unresolved, references, verify_credential

# What a verifier fetches is small: a DID document, a 16 KiB list compressed.
MAX_FETCH_BYTES = 1_048_576
FETCH_TIMEOUT = 10.0

Fetch = Callable[[str], Any]  # URL -> parsed JSON or text; raises LedgerValueError


def vocab(name: str) -> bytes:
    """A file shipped in ``evidence/vocab`` (contexts, the credential schema)."""
    return files("evidence").joinpath("vocab", name).read_bytes()


@cache
def pinned_schema_checks() -> dict[str, SchemaCheck]:
    """The credential schemas this verifier holds copies of, by their ``$id``."""
    schema = json.loads(vocab("customs-credential-v1.schema.json"))
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())

    def check(credential: dict[str, Any]) -> str | None:
        error = jsonschema.exceptions.best_match(validator.iter_errors(credential))
        if error is None:
            return None
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        return f"at {where}: {error.message}"

    return {CREDENTIAL_SCHEMA: check}


def https_fetch(ca_bundle: Path | None = None, allowed_hosts: Iterable[str] | None = None) -> Fetch:
    """A fetcher over HTTPS only (certificates checked against ``ca_bundle`` or the system's),
    limited to ``allowed_hosts`` (``host:port``) when given."""
    allowed = None if allowed_hosts is None else {h.lower() for h in allowed_hosts}
    session = requests.Session()

    def fetch(url: str) -> Any:
        parts = urlsplit(url)
        if parts.scheme != "https":
            raise LedgerValueError(f"{url} is not HTTPS")
        if allowed is not None and parts.netloc.lower() not in allowed:
            raise LedgerValueError(f"{parts.netloc} is not a host this verifier fetches from")
        try:
            with session.get(
                url, timeout=FETCH_TIMEOUT, verify=str(ca_bundle) if ca_bundle else True, stream=True
            ) as r:
                r.raise_for_status()
                body = r.raw.read(MAX_FETCH_BYTES + 1, decode_content=True)
        except requests.RequestException as exc:
            raise LedgerValueError(f"could not fetch {url}: {exc}") from None
        if len(body) > MAX_FETCH_BYTES:
            raise LedgerValueError(f"{url} is larger than {MAX_FETCH_BYTES} bytes")
        text = body.decode("utf-8", errors="replace")
        try:
            return json.loads(text)
        except ValueError:
            return text.strip()

    return fetch


def resolve(token: str, fetch: Fetch) -> tuple[dict[str, Resolved], dict[str, Resolved | str]]:
    """The issuer's DID document and the credential's status lists, fetched (or why not)."""
    documents: dict[str, Resolved] = {}
    lists: dict[str, Resolved | str] = {}
    try:
        did, urls = references(token)
    except LedgerValueError:
        return documents, lists  # malformed: the format check says so
    try:
        document = fetch(document_url(did))
        documents[did] = document if isinstance(document, dict) else Unresolved(f"{did}'s document is not JSON")
    except LedgerValueError as exc:
        documents[did] = Unresolved(str(exc))
    for url in urls:
        try:
            fetched = fetch(url)
            lists[url] = fetched if isinstance(fetched, str) else Unresolved(f"{url} is not a vc+jwt")
        except LedgerValueError as exc:
            lists[url] = Unresolved(str(exc))
    return documents, lists


def verify_online(
    token: str,
    fetch: Fetch,
    trusted_issuers: frozenset[str] | None = None,
    now: datetime | None = None,
) -> CredentialReport:
    """Fetch what the credential needs, then every check (at ``now``, default the present)."""
    token = token.strip()
    documents, lists = resolve(token, fetch)
    return verify_credential(token, documents, lists, now or datetime.now(UTC), pinned_schema_checks(), trusted_issuers)

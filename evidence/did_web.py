"""did:web identifiers and DID documents (W3C DID Core 1.0, did:web method), pure.

An issuer's DID names the HTTPS location of its DID document: ``did:web:host%3Aport:a:b``
is ``https://host:port/a/b/did.json``. The document lists the issuer's public keys as
JWKs; those referenced by ``assertionMethod`` may sign credentials. Retired keys stay
listed so that what they signed keeps verifying; they are only no longer used to sign.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, unquote, urlsplit

from evidence.errors import LedgerValueError

DID_CONTEXTS = ["https://www.w3.org/ns/did/v1", "https://www.w3.org/ns/cid/v1"]
_ALLOWED_KTY = {"EC"}
_ALLOWED_CRV = {"P-256", "secp256k1"}


def did_web(base_url: str, *path: str) -> str:
    """The did:web of ``path`` under an HTTPS origin, e.g. ``did:web:customs.example:issuers:de-gzd``."""
    parts = urlsplit(base_url)
    if parts.scheme != "https" or not parts.hostname:
        raise LedgerValueError(f"did:web names an HTTPS origin, not {base_url!r}")
    host = quote(parts.netloc, safe="")  # a port's colon is percent-encoded
    return ":".join(["did", "web", host, *(quote(p, safe="") for p in path)])


def document_url(did: str) -> str:
    """Where the DID document of a did:web lives (the did:web method's resolution rule)."""
    if not did.startswith("did:web:") or "#" in did or "?" in did:
        raise LedgerValueError(f"not a did:web identifier: {did!r}")
    host, *path = did[len("did:web:") :].split(":")
    if not host or any(not p for p in path):
        raise LedgerValueError(f"not a did:web identifier: {did!r}")
    host = unquote(host)
    if "/" in host or "@" in host:
        raise LedgerValueError(f"a did:web host is a domain name and port only: {host!r}")
    location = "/".join(unquote(p) for p in path) if path else ".well-known"
    return f"https://{host}/{location}/did.json"


def did_of(kid: str) -> str:
    """The DID a key id (DID URL ``did#fragment``) belongs to."""
    did, sep, fragment = kid.partition("#")
    if not sep or not fragment:
        raise LedgerValueError(f"a key id is a DID URL with a fragment, not {kid!r}")
    return did


def did_document(did: str, keys: list[tuple[str, dict[str, Any]]], also_known_as: list[str]) -> dict[str, Any]:
    """The DID document of ``did`` with its assertion keys, given as (key id, public JWK)."""
    methods = [
        {"id": kid, "type": "JsonWebKey", "controller": did, "publicKeyJwk": _public_only(jwk)} for kid, jwk in keys
    ]
    document: dict[str, Any] = {
        "@context": DID_CONTEXTS,
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [kid for kid, _ in keys],
    }
    if also_known_as:
        document["alsoKnownAs"] = also_known_as
    return document


def assertion_key(document: dict[str, Any], kid: str) -> dict[str, Any]:
    """The public JWK of ``kid`` if the document is its DID's and lists it for assertions;
    LedgerValueError saying why not."""
    did = did_of(kid)
    if document.get("id") != did:
        raise LedgerValueError(f"the DID document is {document.get('id')!r}'s, not {did!r}'s")
    listed = document.get("assertionMethod")
    if not isinstance(listed, list) or kid not in listed:
        raise LedgerValueError(f"{kid} is not an assertion method of {did}")
    for method in document.get("verificationMethod") or []:
        if isinstance(method, dict) and method.get("id") == kid:
            jwk = method.get("publicKeyJwk")
            if not isinstance(jwk, dict) or jwk.get("kty") not in _ALLOWED_KTY or jwk.get("crv") not in _ALLOWED_CRV:
                raise LedgerValueError(f"{kid} is not an EC P-256 or secp256k1 public key")
            if "d" in jwk:
                raise LedgerValueError(f"{kid} publishes a private key")
            return jwk
    raise LedgerValueError(f"{did}'s document lists {kid} without its key")


def _public_only(jwk: dict[str, Any]) -> dict[str, Any]:
    return {k: jwk[k] for k in ("kty", "crv", "x", "y") if k in jwk}

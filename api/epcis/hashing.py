"""CBV 2.0 event hash IDs (``ni:///sha-256;…?ver=CBV2.0``) from GS1's reference implementation.

The reference code expands JSON-LD; its contexts are served from the copies it ships and
every other URL is refused, so no network is touched. Its parser keeps module state, so
calls are serialised and that state is reset for each.

The pinned reference is epcis-event-hash-generator 1.9.3 (CBV 2.0 hashes, ``?ver=CBV2.0``).
Rules of the reference's later, unreleased work (CBV 2.1 hashes, fields to ignore) are not
followed. It reads namespace prefixes only from the document's ``@context``; an event that
carries its own ``@context`` is hashed here with those contexts as the document's (the same
JSON-LD meaning), which is the only case where a stored event's hash can differ from what
the reference computes for the document it came in.
"""

from __future__ import annotations

import copy
import importlib.resources
import json
import threading
from typing import Any

from epcis_event_hash_generator import json_to_py
from epcis_event_hash_generator.hash_generator import epcis_hashes_from_events
from pyld import jsonld

from api.epcis.contexts import DEFAULT_CONTEXT, GS1_CONTEXT_URLS, hashing_input

# The copies of GS1's context the reference implementation ships: the gs1.github.io release
# and ref.gs1.org's 2.0.0 (every other GS1 2.0 URL is an alias of it). Any other context URL is
# refused, offline, and the capture says why.
_GITHUB_CONTEXT = "14b10c9d3e92d35f577bfc610fe5ec15aa2941124987919389d7cd9998516861.jsonld"
_REF_2_0_0_CONTEXT = "e532647e8eb371379b8b0e8602d8981c8566bc60f7351f22c76a5bc865962008.jsonld"
_CONTEXTS = {url: _GITHUB_CONTEXT if "github" in url else _REF_2_0_0_CONTEXT for url in GS1_CONTEXT_URLS}
_LOCK = threading.Lock()


def _offline_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    name = _CONTEXTS.get(url)
    if name is None:
        raise jsonld.JsonLdError(
            f"JSON-LD context {url} is not available offline",
            "jsonld.LoadDocumentError",
            code="loading document failed",
        )
    text = importlib.resources.files("epcis_event_hash_generator").joinpath(name).read_text()
    return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url, "document": json.loads(text)}


class HashUnavailable(Exception):
    """Raised when the reference algorithm cannot hash an event."""


def event_hash_ids(context: Any, events: list[dict[str, Any]]) -> list[str]:
    """The hash ID of each event, hashed within a document carrying ``context``."""
    document = {
        "@context": context if context is not None else DEFAULT_CONTEXT,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2000-01-01T00:00:00Z",
        "epcisBody": {"eventList": copy.deepcopy(events)},
    }
    with _LOCK:
        previous = jsonld.get_document_loader()
        jsonld.set_document_loader(_offline_loader)
        # The reference parser gathers namespace prefixes into a module-level dict that it never
        # clears, so without this an event's hash would depend on the documents hashed before it
        # in this process (its command line hashes one document per process).
        json_to_py._namespaces.clear()
        try:
            parsed = json_to_py.event_list_from_epcis_document_json(document)
            hashes = epcis_hashes_from_events(parsed)
        except Exception as exc:
            raise HashUnavailable(f"{type(exc).__name__}: {exc}") from exc
        finally:
            jsonld.set_document_loader(previous)
    return [str(h) for h in hashes]


def event_hash_id(context: Any, event: dict[str, Any]) -> str:
    """The hash ID of one event."""
    return event_hash_ids(context, [event])[0]


def stored_hash_id(payload: dict[str, Any]) -> tuple[str | None, str | None]:
    """(hash ID, None) of a stored event (see ``contexts.stored_event``), or (None, why the
    reference algorithm cannot hash it)."""
    context, event = hashing_input(payload)
    unknown = [item for item in context if isinstance(item, str) and item not in _CONTEXTS]
    if unknown:
        return None, (
            f"its JSON-LD context {unknown[0]} is not available offline (this node holds GS1's EPCIS 2.0 "
            "contexts only), so its terms cannot be expanded"
        )
    try:
        return event_hash_id(context, event), None
    except HashUnavailable as exc:
        return None, f"the reference algorithm cannot hash this event ({exc})"

"""CBV 2.0 event hash IDs (``ni:///sha-256;…?ver=CBV2.0``) from GS1's reference implementation.

The reference code expands JSON-LD; its contexts are served from the copies it ships and
every other URL is refused, so no network is touched. Its parser keeps module state, so
calls are serialised.
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

_GITHUB_CONTEXT = "14b10c9d3e92d35f577bfc610fe5ec15aa2941124987919389d7cd9998516861.jsonld"
_REF_2_0_0_CONTEXT = "e532647e8eb371379b8b0e8602d8981c8566bc60f7351f22c76a5bc865962008.jsonld"
# Every URL GS1 publishes the EPCIS 2.0 context under, mapped to the copy the reference
# implementation ships. The unversioned ref.gs1.org address (which many implementations
# emit) is GS1's alias of the current 2.0 release, 2.0.0; http:// forms are the same
# documents. Any other context is refused, offline, and the capture says why.
_CONTEXTS = {
    "https://gs1.github.io/EPCIS/epcis-context.jsonld": _GITHUB_CONTEXT,
    "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld": _REF_2_0_0_CONTEXT,
    "https://ref.gs1.org/standards/epcis/epcis-context.jsonld": _REF_2_0_0_CONTEXT,
}
_CONTEXTS |= {url.replace("https://", "http://", 1): name for url, name in _CONTEXTS.items()}
DEFAULT_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
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

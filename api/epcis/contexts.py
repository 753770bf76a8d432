"""JSON-LD contexts of captured EPCIS events: what a stored event carries, what an export needs.

A capture document's ``@context`` names GS1's EPCIS context plus, often, extension contexts
(prefixes such as ``{"example": "http://ns.example.com/epcis/"}`` or a URL of a national
extension). The extension part is evidence as much as the fields it defines: without it a
field such as ``example:temperature`` no longer says what it is. So each stored event carries
its document's extension contexts in its own ``@context`` (valid JSON-LD, allowed by GS1's
schema), and every node, export and re-index reads them from the entry alone.
"""

from __future__ import annotations

from typing import Any

DEFAULT_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
# Every URL GS1 publishes the EPCIS 2.0 context under. The unversioned ref.gs1.org address
# (which many implementations emit) is GS1's alias of the current 2.0 release, 2.0.0;
# http:// forms are the same documents.
GS1_CONTEXT_URLS = frozenset(
    scheme + rest
    for scheme in ("https://", "http://")
    for rest in (
        "gs1.github.io/EPCIS/epcis-context.jsonld",
        "ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
        "ref.gs1.org/standards/epcis/epcis-context.jsonld",
    )
)


def _items(context: Any) -> list[Any]:
    if context is None:
        return []
    return list(context) if isinstance(context, list) else [context]


def extension_context(context: Any) -> list[Any]:
    """The items of a ``@context`` other than GS1's EPCIS context, in order."""
    return [item for item in _items(context) if not (isinstance(item, str) and item in GS1_CONTEXT_URLS)]


def stored_event(document_context: Any, event: dict[str, Any]) -> dict[str, Any]:
    """The event as the ledger keeps it: the document's extension contexts, then the event's
    own, in the event's ``@context`` (JSON-LD scoping keeps their meaning); an event that
    needs none is kept as sent."""
    scoped = extension_context(document_context) + _items(event.get("@context"))
    fields = {key: value for key, value in event.items() if key != "@context"}
    return {"@context": scoped, **fields} if scoped else fields


def hashing_input(payload: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    """A stored event as the hash algorithm reads it: the document context it came in
    (GS1's, then its extensions) and the event without its ``@context``."""
    fields = {key: value for key, value in payload.items() if key != "@context"}
    return [DEFAULT_CONTEXT, *_items(payload.get("@context"))], fields


class ExportContext:
    """The ``@context`` of an export, gathered from its events: each extension context an
    event needs is hoisted to the document unless it would redefine a prefix another event
    uses differently; then that event keeps its own ``@context`` (still valid JSON-LD)."""

    def __init__(self, namespace: dict[str, str]) -> None:
        self._urls: list[str] = []
        self._prefixes: dict[str, Any] = dict(namespace)

    def place(self, payload: dict[str, Any]) -> dict[str, Any]:
        """The event as exported: without ``@context`` when the document's can carry it."""
        own = _items(payload.get("@context"))
        if not own:
            return payload
        prefixes: dict[str, Any] = {}
        for item in own:
            if isinstance(item, dict):
                prefixes |= item
        clash = any(key in self._prefixes and self._prefixes[key] != value for key, value in prefixes.items())
        if clash or not all(isinstance(item, (dict, str)) for item in own):
            return payload
        self._prefixes |= prefixes
        self._urls += [item for item in own if isinstance(item, str) and item not in self._urls]
        return {key: value for key, value in payload.items() if key != "@context"}

    def document_context(self) -> list[Any]:
        """GS1's context, the extension URLs, then the prefixes, as a JSON-LD ``@context``."""
        return [DEFAULT_CONTEXT, *self._urls, self._prefixes]

"""Trade documents referenced by DOCUMENT_ATTACHED entries, and their verification."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from evidence.unixfs import file_cids

DOCUMENT_KEY = "bl:document"
"""The namespaced EPCIS extension field that carries a document reference in a payload."""


class DocumentType(StrEnum):
    """The trade documents BorderLedger anchors."""

    COMMERCIAL_INVOICE = "commercial_invoice"
    PACKING_LIST = "packing_list"
    BILL_OF_LADING = "bill_of_lading"
    SEA_WAYBILL = "sea_waybill"
    RAIL_CONSIGNMENT_NOTE_CIM = "rail_consignment_note_cim"
    RAIL_CONSIGNMENT_NOTE_SMGS = "rail_consignment_note_smgs"
    ROAD_CONSIGNMENT_NOTE_CMR = "road_consignment_note_cmr"
    CERTIFICATE_OF_ORIGIN = "certificate_of_origin"
    PHYTOSANITARY_CERTIFICATE = "phytosanitary_certificate"
    EXPORT_DECLARATION = "export_declaration"
    IMPORT_DECLARATION = "import_declaration"
    AEO_CERTIFICATE = "aeo_certificate"
    OTHER = "other"


@dataclass(frozen=True)
class DocumentRef:
    """What an entry's payload says about a document."""

    document_type: DocumentType
    sha256: str
    cid: str  # CIDv0, as `ipfs add` prints it
    cid_v1: str
    size: int
    filename: str
    media_type: str

    def to_json(self) -> dict[str, Any]:
        """The ``bl:document`` value."""
        return {
            "type": self.document_type.value,
            "sha256": self.sha256,
            "cid": self.cid,
            "cidV1": self.cid_v1,
            "size": self.size,
            "filename": self.filename,
            "mediaType": self.media_type,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DocumentRef:
        """Read a ``bl:document`` value; raises KeyError or ValueError if malformed."""
        return cls(
            DocumentType(data["type"]),
            str(data["sha256"]),
            str(data["cid"]),
            str(data["cidV1"]),
            int(data["size"]),
            str(data["filename"]),
            str(data["mediaType"]),
        )


def document_event(ref: DocumentRef, event_time: str, offset: str = "+00:00") -> dict[str, Any]:
    """The EPCIS payload of a DOCUMENT_ATTACHED entry."""
    return {
        "type": "ObjectEvent",
        "eventTime": event_time,
        "eventTimeZoneOffset": offset,
        "action": "OBSERVE",
        "bizStep": "other",
        DOCUMENT_KEY: ref.to_json(),
    }


def document_in(payload: dict[str, Any]) -> DocumentRef | None:
    """The document a payload references, if any (None if absent or malformed)."""
    data = payload.get(DOCUMENT_KEY)
    if not isinstance(data, dict):
        return None
    try:
        return DocumentRef.from_json(data)
    except (KeyError, ValueError, TypeError):
        return None


def check_document_bytes(ref: DocumentRef, content: bytes) -> str | None:
    """None when ``content`` is the referenced document, else what differs."""
    digest = hashlib.sha256(content).hexdigest()
    if digest != ref.sha256:
        return f"sha-256 of the stored bytes is {digest}, the entry anchors {ref.sha256}"
    cid_v0, _ = file_cids(content)
    if cid_v0 != ref.cid:
        return f"CID of the stored bytes is {cid_v0}, the entry anchors {ref.cid}"
    return None


# Media types a node serves as themselves, each recognised by its bytes; anything else, or
# bytes that are not what they claim, is served as application/octet-stream.
_MAGIC: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/tiff": (b"II*\x00", b"MM\x00*"),
    "application/zip": (b"PK\x03\x04",),
}
SAFE_TEXT = ("text/plain", "text/csv", "application/json")


def served_media_type(declared: str, content: bytes) -> str:
    """The media type to serve a document's bytes as: the declared one if it is on the
    allow-list and the bytes are that (no HTML, SVG or script ever), else octet-stream."""
    kind = declared.split(";", 1)[0].strip().lower()
    if kind in _MAGIC:
        return kind if content.startswith(_MAGIC[kind]) else "application/octet-stream"
    if kind in SAFE_TEXT:
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            return "application/octet-stream"
        looks_like_markup = text.lstrip()[:1] == "<"
        return "application/octet-stream" if looks_like_markup or "\x00" in text else kind
    return "application/octet-stream"

"""How a document's bytes leave the node: always as an attachment, never sniffed, with a
media type from an allow-list the bytes confirm, so no uploaded file runs on the node's origin."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Response

from evidence.documents import DocumentRef, served_media_type


def content_disposition(filename: str) -> str:
    """An attachment header for any file name (RFC 6266/5987): an ASCII fallback without
    quotes, control characters or separators, and the exact name UTF-8 percent-encoded."""
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in filename)
    return f"attachment; filename=\"{fallback or 'document'}\"; filename*=UTF-8''{quote(filename, safe='')}"


def document_response(content: bytes, ref: DocumentRef | None, cid: str) -> Response:
    """The verified bytes of a document, safe to hand to a browser."""
    headers = {
        "X-Content-CID": cid,
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox; default-src 'none'",
        "Content-Disposition": content_disposition(ref.filename if ref else cid),
    }
    if ref is not None:
        headers["X-Content-SHA256"] = ref.sha256
    media_type = served_media_type(ref.media_type, content) if ref else "application/octet-stream"
    return Response(content, media_type=media_type, headers=headers)

"""Reading document uploads within the size limit."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request

from api.services.errors import PayloadTooLarge
from evidence.documents import DocumentType

# The query parameters of every document upload, declared once.
DocumentTypeQuery = Annotated[DocumentType, Query(description="the kind of trade document")]
FilenameQuery = Annotated[str, Query(min_length=1, max_length=255)]


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 past ``limit`` bytes (also when streamed)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the document is {declared} bytes; the limit is {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise PayloadTooLarge(f"the document is over the limit of {limit} bytes")
    return bytes(body)

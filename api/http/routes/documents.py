"""Documents in the content store: upload (for client-signed anchoring) and download."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response, status
from starlette.concurrency import run_in_threadpool

from api.http.deps import CurrentParticipant, DocumentsDep
from api.http.downloads import document_response
from api.http.schemas import DocumentPublic
from api.http.uploads import DocumentTypeQuery, FilenameQuery, read_body

router = APIRouter(prefix="/v1/documents", tags=["documents"])


@router.post(
    "",
    response_model=DocumentPublic,
    status_code=status.HTTP_201_CREATED,
    openapi_extra={"requestBody": {"required": True, "content": {"application/octet-stream": {}}}},
)
async def store_document(
    request: Request,
    documents: DocumentsDep,
    caller: CurrentParticipant,
    document_type: DocumentTypeQuery,
    filename: FilenameQuery = "document",
) -> dict[str, Any]:
    """Store a document without anchoring it: a client holding its own key then signs a
    DOCUMENT_ATTACHED entry whose payload carries this reference (``bl:document``)."""
    content = await read_body(request, documents.max_bytes)
    media_type = request.headers.get("content-type", "application/octet-stream")
    ref = await run_in_threadpool(documents.store, caller, content, document_type, filename, media_type)
    return ref.to_json()


@router.get("/{cid}", response_class=Response, responses={200: {"content": {"application/octet-stream": {}}}})
def download_document(cid: str, documents: DocumentsDep, caller: CurrentParticipant) -> Response:
    """The document's bytes, verified against its CID on the way out; always an attachment,
    with its media type only if the bytes are that type (see ``api/http/downloads.py``)."""
    content, ref = documents.read(caller, cid)
    return document_response(content, ref, cid)

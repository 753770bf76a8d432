"""The public credential verification page: no sign-in. Paste or upload a credential, or
open the link a QR code printed on a document carries (``/ui/verify?id=urn:uuid:...``), and
see issuer, subject, validity and status, each check with its verdict."""

from __future__ import annotations

import io
from typing import Annotated, Any

import segno
from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from api.http.routes.ui import _caller, _render, _services
from api.services.errors import NotFound

router = APIRouter(prefix="/ui/verify", include_in_schema=False)
MAX_UPLOAD = 65_536
VERDICT_TEXT = {
    "valid": "Valid: every check passed",
    "invalid": "Not valid: the credential is forged, altered or malformed",
    "revoked": "Revoked by its issuer",
    "suspended": "Suspended by its issuer",
    "expired": "Expired",
    "not_yet_valid": "Not yet valid",
    "untrusted_issuer": "Issued by an issuer this verifier does not trust",
    "incomplete": "Not fully verified: some checks could not be made",
}


def _page(request: Request, report: dict[str, Any] | None, error: str | None = None, text: str = "") -> HTMLResponse:
    verdict = report["verdict"] if report else None
    return _render(
        request,
        "verify.html",
        _caller(request),
        report=report,
        verdict_text=VERDICT_TEXT.get(verdict or "", verdict),
        error=error,
        text=text,
    )


@router.get("")
def verify_page(request: Request, id: str | None = None) -> Response:
    """The form; with ``id``, the verdict on a credential this node issued (a QR code's link)."""
    if id is None:
        return _page(request, None)
    try:
        token = _services(request).credentials.token_of(id)
    except NotFound as exc:
        return _page(request, None, error=str(exc))
    return _page(request, _services(request).verifier.verify(token).to_json(), text=token)


@router.post("")
async def verify_submitted(
    request: Request,
    credential: Annotated[str, Form(max_length=MAX_UPLOAD)] = "",
    upload: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Verify what was pasted, or the uploaded file."""
    text = credential.strip()
    if upload is not None and upload.filename:
        data = await upload.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            return _page(request, None, error=f"the file is larger than {MAX_UPLOAD} bytes: not a credential")
        text = data.decode("utf-8", errors="replace").strip()
    if not text:
        return _page(request, None, error="paste a credential or choose a file")
    return _page(request, _services(request).verifier.verify(text).to_json(), text=text)


@router.get("/qr.svg")
def qr_code(request: Request, id: str) -> Response:
    """A QR code of this page's link for a credential, to print on a document."""
    services = _services(request)
    services.credentials.token_of(id)  # NotFound for a credential this node did not issue
    link = services.credentials.verify_url(id)
    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind="svg", scale=4, border=2)
    return Response(out.getvalue(), media_type="image/svg+xml")

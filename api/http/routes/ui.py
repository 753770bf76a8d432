"""The web UI: server-rendered pages (Jinja2), no JavaScript build step.

Sign-in stores the API key in an HttpOnly, SameSite=Strict cookie scoped to /ui; every
page then acts as that participant through the same service the API uses.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from fastapi.templating import Jinja2Templates

from api.http.downloads import document_response
from api.http.sse import status_feed
from api.services import Services
from api.services.errors import NotFound, Unauthenticated
from api.services.members import MembersService, Participant
from evidence.documents import document_in
from evidence.errors import LedgerError, RuleViolation
from evidence.types import ZERO_ADDRESS

router = APIRouter(prefix="/ui", include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")
COOKIE = "bl_api_key"

LABELS = {
    "LOADING": "Loaded",
    "DEPARTING": "Departed",
    "ARRIVING": "Arrived",
    "UNLOADING": "Unloaded",
    "HANDOVER": "Custody handed over",
    "DELIVERY": "Delivered",
    "INSPECTED": "Customs inspection",
    "SEAL_VERIFIED": "Seal verified by customs",
    "HELD": "Held by customs",
    "RELEASED": "Released by customs",
    "DECLARATION": "Declaration lodged",
    "DOCUMENT_ATTACHED": "Document attached",
    "OBSERVED": "Observed (EPCIS)",
    "CONTROL_RESULT": "Customs control result",
    "LANE_ASSIGNED": "Lane assigned by customs",
    "DOCUMENTS_REQUESTED": "Documents requested by customs",
    "RECEIPT_CONFIRMED": "Receipt confirmed by the consignee",
}


def _services(request: Request) -> Services:
    services: Services = request.app.state.runtime.services
    return services


def _caller(request: Request) -> Participant | None:
    try:
        return _services(request).members.authenticate(request.cookies.get(COOKIE))
    except (Unauthenticated, RuleViolation):
        return None


def _namer(members: MembersService) -> Any:
    cache: dict[str, str] = {}

    def name(address: str | None) -> str:
        if not address:
            return ""
        if address not in cache:
            try:
                cache[address] = members.participant(address).name
            except NotFound:
                cache[address] = address
        return cache[address]

    return name


def _render(request: Request, template: str, caller: Participant | None, **context: Any) -> HTMLResponse:
    members = _services(request).members
    me = members.describe(caller) if caller else None
    return templates.TemplateResponse(request, template, {"me": me, "names": _namer(members), **context})


def _signin_redirect() -> RedirectResponse:
    return RedirectResponse("/ui/signin", status_code=303)


@router.get("")
def home(request: Request) -> Response:
    return RedirectResponse("/ui/consignments" if _caller(request) else "/ui/signin", status_code=303)


@router.get("/signin")
def signin_page(request: Request) -> HTMLResponse:
    return _render(request, "signin.html", None, error=None)


@router.post("/signin")
def signin(request: Request, api_key: Annotated[str, Form()]) -> Response:
    try:
        _services(request).members.authenticate(api_key.strip())
    except Unauthenticated:
        return _render(request, "signin.html", None, error="That API key is not valid on this node.")
    except RuleViolation:
        return _render(request, "signin.html", None, error="That API key belongs to a member who is not active.")
    response = RedirectResponse("/ui/consignments", status_code=303)
    response.set_cookie(COOKIE, api_key.strip(), httponly=True, samesite="strict", path="/ui")
    return response


@router.post("/signout")
def signout() -> Response:
    response = _signin_redirect()
    response.delete_cookie(COOKIE, path="/ui")
    return response


STATIC = Path(__file__).resolve().parents[1] / "static"


@router.get("/static/status.js")
def status_script() -> Response:
    """The status page's script (served as a file: the pages' policy allows no inline script)."""
    return Response((STATIC / "status.js").read_bytes(), media_type="text/javascript")


@router.get("/status")
def status_page(request: Request) -> Response:
    caller = _caller(request)
    if caller is None:
        return _signin_redirect()
    return _render(request, "status.html", caller, statuses=_services(request).status.mine(caller))


@router.get("/status/feed", response_model=None)
def status_feed_ui(request: Request) -> Response:
    """The signed-in member's status feed (server-sent events; the cookie is its key)."""
    caller = _caller(request)
    if caller is None:
        return Response(status_code=401)
    return status_feed(request, _services(request).status, caller)


@router.get("/consignments")
def consignments(request: Request) -> Response:
    caller = _caller(request)
    if caller is None:
        return _signin_redirect()
    return _render(request, "consignments.html", caller, consignments=_services(request).consignments.visible(caller))


def _timeline(events: list[dict[str, Any]], report: Any) -> list[dict[str, Any]]:
    by_seq = {e.seq: e for e in report.entries}
    out = []
    for event in events:
        checks = by_seq[event["seq"]].checks if event["seq"] in by_seq else []
        payload = event["payload"]
        ref = document_in(payload)
        actor_roles = next((c.detail.split(" (")[0] for c in checks if c.name == "authorised" and c.passed), "")
        out.append(
            {
                "seq": event["seq"],
                "event_type": event["event_type"],
                "label": LABELS.get(event["event_type"], event["event_type"]),
                "event_time": payload.get("eventTime"),
                "block_number": event["block_number"],
                "leaf_index": event.get("leaf_index"),
                "actor": event["actor"],
                "actor_roles": actor_roles,
                "location": (payload.get("readPoint") or {}).get("id"),
                "next_carrier": event["next_carrier"] if event["next_carrier"] not in (None, ZERO_ADDRESS) else None,
                "document": ref.to_json() if ref else None,
                "checks": checks,
                "passed": all(c.passed is not False for c in checks),
                "failed": [c.name for c in checks if c.passed is False],
            }
        )
    return out


@router.get("/consignments/{reference}")
def consignment(request: Request, reference: str) -> Response:
    caller = _caller(request)
    if caller is None:
        return _signin_redirect()
    services = _services(request)
    try:
        c = services.consignments.get(caller, reference)
        report = services.evidence.verify(caller, reference)
        events = services.consignments.events(caller, reference)
    except LedgerError as exc:
        return _render(request, "consignments.html", caller, consignments=[], error=str(exc))
    return _render(request, "consignment.html", caller, c=c, report=report, timeline=_timeline(events, report))


@router.get("/consignments/{reference}/bundle")
def bundle(request: Request, reference: str) -> Response:
    caller = _caller(request)
    if caller is None:
        return _signin_redirect()
    body = _services(request).evidence.bundle_stream(caller, reference)
    headers = {"Content-Disposition": f'attachment; filename="{reference}.bundle.json"'}
    return StreamingResponse(body, media_type="application/json", headers=headers)


@router.get("/documents/{cid}")
def document(request: Request, cid: str) -> Response:
    caller = _caller(request)
    if caller is None:
        return _signin_redirect()
    content, ref = _services(request).documents.read(caller, cid)
    return document_response(content, ref, cid)


@router.get("/aeo")
def aeo(request: Request, certificate: str | None = None, by: str | None = None, at: str | None = None) -> Response:
    caller = _caller(request)
    if caller is None:
        return _signin_redirect()
    context: dict[str, Any] = {
        "certificate": certificate,
        "by": by,
        "at": at,
        "result": None,
        "error": None,
        "certificate_info": None,
    }
    if certificate and by:
        service = _services(request).aeo
        try:
            if service is None:
                raise NotFound("this deployment has no AEORegistry")
            when = datetime.fromisoformat(at.replace("Z", "+00:00")) if at else None
            if when is not None and when.tzinfo is None:
                raise ValueError("give the time with a zone, e.g. 2026-11-01T00:00:00Z")
            if when is not None and when.timestamp() < 0:
                raise ValueError("give a time after 1970-01-01T00:00:00Z")
            context["result"] = service.recognition(certificate.strip(), by.strip().upper(), when)
            with contextlib.suppress(NotFound):
                context["certificate_info"] = service.get(caller, certificate.strip())
        except (ValueError, LedgerError) as exc:
            context["error"] = str(exc)
    return _render(request, "aeo.html", caller, **context)

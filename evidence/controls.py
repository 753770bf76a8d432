"""Customs control results as typed evidence (a CONTROL_RESULT entry's ``bl:controlResult``),
and what customs decide about a consignment (``bl:lane``, ``bl:documentsRequested``).

The vocabulary follows practice partners already exchange: control types of the WCO SAFE
Framework's mutual recognition of controls, results as conformity outcomes, and the status
each result gives the goods as a UN/EDIFACT data element 7365 code (the code list customs
responses such as CUSRES carry).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from evidence.documents import DocumentType
from evidence.models import stated_part

ControlType = Literal["documentary", "physical", "non_intrusive_scan", "seal_check", "sampling"]
CONTROL_TYPES: tuple[ControlType, ...] = ("documentary", "physical", "non_intrusive_scan", "seal_check", "sampling")
# The bit of each control type in an MRA's ``controls`` (AEORegistry.proposeMra).
CONTROL_BITS: dict[str, int] = {t: 1 << n for n, t in enumerate(CONTROL_TYPES)}


def control_bits(types: list[str]) -> int:
    """The bitmask of ``types``."""
    bits = 0
    for name in types:
        bits |= CONTROL_BITS[name]
    return bits


def control_types(bits: int) -> list[str]:
    """The control types a bitmask names, in their canonical order."""
    return [t for t in CONTROL_TYPES if bits & CONTROL_BITS[t]]


Outcome = Literal["conformant", "minor_non_conformity", "non_conformant", "not_performed"]
# UN/EDIFACT 7365 (processing indicator) codes a control result may give the goods.
EDIFACT_7365 = {
    "4": "goods released",
    "5": "goods required for examination",
    "6": "documents to be produced",
    "7": "goods detained",
    "8": "goods may move under customs transfer",
    "9": "declaration accepted, awaiting goods arrival",
    "40": "seal intact",
    "41": "seal not intact",
}
Status7365 = Literal["4", "5", "6", "7", "8", "9", "40", "41"]
CONTROL_RESULT_FIELD = "bl:controlResult"
LANE_FIELD = "bl:lane"
DOCUMENTS_REQUESTED_FIELD = "bl:documentsRequested"
HOLD_FIELD = "bl:hold"
_HASH = r"^0x[0-9a-f]{64}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Authority(_Strict):
    """The customs administration (country) and office (UN/LOCODE) that made the control."""

    country: str = Field(pattern=r"^[A-Z]{2}$")
    office: str = Field(pattern=r"^[A-Z]{2}[A-Z2-9]{3}$")


class FindingRef(_Strict):
    """A finding or scan image, by the hash of its bytes (the bytes are attached as a document)."""

    kind: Literal["finding", "scan_image", "sample_report"]
    sha256: str = Field(pattern=_HASH)
    cid: str | None = Field(default=None, max_length=128)


class ControlResult(_Strict):
    """One customs control and its result."""

    controlId: str = Field(min_length=1, max_length=64)
    authority: Authority
    controlType: ControlType
    scope: str = Field(min_length=1, max_length=256)  # what was controlled
    result: Outcome
    status7365: Status7365
    sealsExpected: list[str] = Field(default_factory=list, max_length=32)
    sealsFound: list[str] = Field(default_factory=list, max_length=32)
    findings: list[FindingRef] = Field(default_factory=list, max_length=64)
    officer: str = Field(pattern=_HASH)  # a hash of the officer's identity, never the identity
    location: str | None = Field(default=None, pattern=r"^[A-Z]{2}[A-Z2-9]{3}$")
    startTime: AwareDatetime
    endTime: AwareDatetime
    validUntil: AwareDatetime | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ControlResult:
        if self.endTime < self.startTime:
            raise ValueError("endTime is before startTime")
        if self.validUntil is not None and self.validUntil < self.endTime:
            raise ValueError("validUntil is before endTime")
        if self.controlType == "seal_check":
            if not self.sealsExpected:
                raise ValueError("a seal_check names the seals expected")
            seals_match = sorted(self.sealsExpected) == sorted(self.sealsFound)
            if self.result == "conformant" and not seals_match:
                raise ValueError("a seal_check whose seals found differ from those expected is not conformant")
            if self.status7365 == "40" and not seals_match:
                raise ValueError("status 40 (seal intact) with seals found that differ from those expected")
        if self.result == "not_performed" and self.status7365 in ("4", "40"):
            raise ValueError(
                f"a control not performed cannot give status {self.status7365} ({EDIFACT_7365[self.status7365]})"
            )
        return self

    def valid_at(self, when: datetime) -> bool:
        """Whether a partner may still rely on the result at ``when``."""
        return self.validUntil is None or when <= self.validUntil


class LaneOverride(_Strict):
    """Customs chose the lane themselves: the reason is kept as a hash only."""

    kind: Literal["random", "confidential"]
    reasonHash: str = Field(pattern=_HASH)


class LaneAssigned(_Strict):
    """The lane a customs applies, and what it rests on."""

    lane: Literal["green", "yellow", "red"]
    rulesetVersion: int | None = Field(default=None, ge=1)
    resultHash: str | None = Field(default=None, pattern=_HASH)  # of the risk result it follows
    override: LaneOverride | None = None


class RequestedDocument(_Strict):
    type: DocumentType  # what the trader answers with: a document of this type attached
    note: str | None = Field(default=None, max_length=256)


HoldCategory = Literal["documents", "examination", "security", "health", "fiscal", "prohibitions_restrictions", "other"]


class Hold(_Strict):
    """Why the goods are held, as far as customs choose to tell the trader (``bl:hold`` of a
    HELD entry; optional: a HELD entry without it discloses no reason)."""

    reasonCategory: HoldCategory


class DocumentsRequested(_Strict):
    """Customs ask the trader for documents (EDIFACT 7365 code 6)."""

    documents: list[RequestedDocument] = Field(min_length=1, max_length=32)


def control_result_of(payload: Any) -> ControlResult | None:
    """The control result a payload states, None if it states none or a malformed one."""
    try:
        return stated_part(payload, CONTROL_RESULT_FIELD, ControlResult, "no control result")
    except ValueError:
        return None

"""Risk rule sets the customs majority adopts, risk results and the lanes customs apply."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, ConfigDict, Field

from api.http.deps import CurrentParticipant, RiskDep
from evidence.risk import RuleSet

router = APIRouter(prefix="/v1", tags=["risk"])


class LaneOverrideIn(BaseModel):
    """Customs choose the lane themselves; the reason is kept on the ledger as a hash only."""

    model_config = ConfigDict(extra="forbid")

    lane: Literal["green", "yellow", "red"]
    kind: Literal["random", "confidential"]
    reason: str = Field(min_length=1, max_length=1000)


class LaneCreate(BaseModel):
    """Record the lane: the one the adopted rules give, or an override."""

    model_config = ConfigDict(extra="forbid")

    override: LaneOverrideIn | None = None


@router.get("/rulesets")
def list_rule_sets(risk: RiskDep, caller: CurrentParticipant) -> dict[str, Any]:
    """Every rule set version with its hash, content identifier, approvals and adoption, and
    the version in force."""
    return risk.versions()


@router.get("/rulesets/{version}")
def read_rule_set(version: int, risk: RiskDep, caller: CurrentParticipant) -> dict[str, Any]:
    """One version, with its rules (the text checked against the hash the chain anchors)."""
    return risk.rule_set(version)


@router.post("/rulesets", status_code=status.HTTP_201_CREATED)
def propose_rule_set(body: RuleSet, risk: RiskDep, caller: CurrentParticipant) -> dict[str, Any]:
    """Customs propose a rule set: its canonical text goes to the content store, its hash on
    chain; the proposer's approval counts at once (403 ``RiskRuleSetsNotCustoms`` for others)."""
    return risk.propose(caller, body)


@router.post("/rulesets/{version}/approve")
def approve_rule_set(version: int, risk: RiskDep, caller: CurrentParticipant) -> dict[str, Any]:
    """Customs approve; a majority of the active customs administrations adopts the version."""
    return risk.approve(caller, version)


@router.get("/consignments/{reference}/risk")
def consignment_risk(
    reference: str,
    risk: RiskDep,
    caller: CurrentParticipant,
    by: Annotated[str, Query(description="the customs jurisdiction evaluating, e.g. DE")],
    block: Annotated[int | None, Query(description="ledger state as of this block (default: the latest)")] = None,
    version: Annotated[int | None, Query(description="rule set version (default: in force at that block)")] = None,
) -> dict[str, Any]:
    """The lane (green, yellow, red), the score, the rule set version and every rule that
    fired with its weight and the entries that fired it. Customs of ``by`` and auditors only
    (403 ``RiskAssessmentAccess``)."""
    return risk.risk(caller, reference, by, block, version)


@router.post("/consignments/{reference}/lane", status_code=status.HTTP_201_CREATED)
def assign_lane(reference: str, body: LaneCreate, risk: RiskDep, caller: CurrentParticipant) -> dict[str, Any]:
    """Customs of a jurisdiction of the consignment record the lane they apply, as a
    LANE_ASSIGNED entry (with the risk result's hash, or the override's kind and reason hash)."""
    override = body.override.model_dump() if body.override is not None else None
    return risk.assign_lane(caller, reference, override)

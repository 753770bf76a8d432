"""Does a customs administration recognise another's control of a consignment? Pure functions
over the consignment's entries and the MRAs, evaluated as of one block, so every node answers
the same for the same block.

A partner's control counts when an MRA between the two administrations, active at that
block, names its control type, while the result is still valid, and while the goods are as
they were controlled: a change of custody or an unloading after the control breaks that,
unless a later conformant seal check finds the very seals the control left.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evidence.controls import CONTROL_BITS, ControlResult, control_result_of
from evidence.event_types import EventType

EXPLANATIONS = {
    "own_control": "the administration's own control",
    "recognised_under_mra": "an MRA active at this block names this control type",
    "no_mra": "no MRA between the two administrations",
    "mra_not_accepted": "the MRA between them was not accepted by this block",
    "mra_terminated": "the MRA between them was terminated by this block",
    "mra_expired": "the MRA between them had expired by this block",
    "mra_out_of_scope": "the MRA between them does not name this control type",
    "control_expired": "the control result's validity had ended by this block",
    "custody_changed": "custody changed hands after the control, and no matching seal check followed",
    "unloaded_without_seal_verification": (
        "the goods were unloaded after the control, and no matching seal check followed"
    ),
}


@dataclass(frozen=True)
class MraView:
    """An MRA as the registry held it at the block asked about (times are block timestamps;
    0: not yet). Read at that block, so what happened after it is not in it."""

    id: int
    proposer: str
    partner: str
    controls: int
    valid_until: int
    accepted_at: int
    terminated_at: int

    def between(self, a: str, b: str) -> bool:
        return {self.proposer, self.partner} == {a, b}

    def state_at(self, time: int) -> str:
        if self.terminated_at and self.terminated_at <= time:
            return "terminated"
        if not self.accepted_at or self.accepted_at > time:
            return "not_accepted"
        return "expired" if time > self.valid_until else "active"


@dataclass(frozen=True)
class LedgerEvent:
    """An anchored entry of the consignment: its type, payload and where the ledger wrote it."""

    seq: int
    event_type: EventType
    payload: Any
    block: int
    position: int


def control_of(event: LedgerEvent) -> ControlResult | None:
    """The control result a CONTROL_RESULT entry states (None for any other entry)."""
    return control_result_of(event.payload) if event.event_type is EventType.CONTROL_RESULT else None


def _seals(control: ControlResult) -> list[str]:
    return sorted(control.sealsFound or control.sealsExpected)


def _breach(control_event: LedgerEvent, control: ControlResult, later: list[LedgerEvent]) -> str | None:
    """The reason the goods are no longer as controlled, or None."""
    breach: str | None = None
    for event in later:
        if event.event_type is EventType.HANDOVER:
            breach = breach or "custody_changed"
        elif event.event_type is EventType.UNLOADING:
            breach = breach or "unloaded_without_seal_verification"
        elif breach is not None:
            check = control_of(event)
            cured = (
                check is not None
                and check.controlType == "seal_check"
                and check.result == "conformant"
                and _seals(control)
                and sorted(check.sealsFound) == _seals(control)
            )
            if cured:
                breach = None
    return breach


def _mra_reason(by: str, controller: str, control_type: str, mras: list[MraView], time: int) -> tuple[str, int | None]:
    pair = [m for m in mras if m.between(by, controller)]
    if not pair:
        return "no_mra", None
    states = {m.id: m.state_at(time) for m in pair}
    active = [m for m in pair if states[m.id] == "active"]
    covering = [m for m in active if m.controls & CONTROL_BITS[control_type]]
    if covering:
        return "recognised_under_mra", covering[0].id
    if active:
        return "mra_out_of_scope", active[0].id
    for state in ("terminated", "expired", "not_accepted"):  # the most telling of what there was
        found = [m for m in pair if states[m.id] == state]
        if found:
            return f"mra_{state}", found[-1].id
    return "no_mra", None


def recognise(by: str, events: list[LedgerEvent], mras: list[MraView], block: int, time: int) -> list[dict[str, Any]]:
    """Each control result of the consignment written by ``block`` (whose timestamp is
    ``time``), and whether customs ``by`` recognises it then, with a reason code."""
    written = sorted((e for e in events if e.block <= block), key=lambda e: (e.block, e.position, e.seq))
    out = []
    for n, event in enumerate(written):
        control = control_of(event)
        if control is None:
            continue
        controller = control.authority.country
        mra_id: int | None = None
        if controller == by:
            reason = "own_control"
        else:
            reason, mra_id = _mra_reason(by, controller, control.controlType, mras, time)
        if reason in ("own_control", "recognised_under_mra"):
            if control.validUntil is not None and int(control.validUntil.timestamp()) < time:
                reason = "control_expired"
            else:
                reason = _breach(event, control, written[n + 1 :]) or reason
        out.append(
            {
                "seq": event.seq,
                "control_id": control.controlId,
                "authority": control.authority.model_dump(),
                "control_type": control.controlType,
                "result": control.result,
                "status7365": control.status7365,
                "recognised": reason in ("own_control", "recognised_under_mra"),
                "reason": reason,
                "explanation": EXPLANATIONS[reason],
                "mra": mra_id,
            }
        )
    return out

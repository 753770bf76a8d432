"""Event payloads: the GS1 EPCIS 2.0 core fields of one event.

The payload is what an entry's ``payloadHash`` commits to, in RFC 8785 canonical form.
Unknown fields are refused, except namespaced EPCIS extensions (``prefix:name``).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

# Bounds on what an event may carry in extensions and sensor data: every value must survive
# canonicalisation (RFC 8785 numbers are IEEE 754 doubles) and no request may nest without end.
MAX_DEPTH = 32
MAX_INTEGER = 2**53 - 1
MAX_STRING = 65_536
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$")


def check_json_value(value: Any, where: str = "value", depth: int = 0) -> None:
    """Raise ValueError unless ``value`` is plain JSON within the bounds above."""
    if depth > MAX_DEPTH:
        raise ValueError(f"{where} nests deeper than {MAX_DEPTH} levels")
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int):
        if abs(value) > MAX_INTEGER:
            raise ValueError(f"{where}: integers are limited to ±{MAX_INTEGER} (RFC 8785 numbers are doubles)")
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"{where}: NaN and infinities are not JSON")
    elif isinstance(value, str):
        if len(value) > MAX_STRING:
            raise ValueError(f"{where}: strings are limited to {MAX_STRING} characters")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            check_json_value(item, f"{where}[{i}]", depth + 1)
    elif isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{where}: object keys are strings")
            check_json_value(item, f"{where}.{key}", depth + 1)
    else:
        raise ValueError(f"{where}: {type(value).__name__} is not a JSON value")


EPCIS_EVENT_TYPES = ("ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent", "AssociationEvent")
_OFFSET_PATTERN = r"^[+-]([01][0-9]|2[0-3]):[0-5][0-9]$"


def _cbv_value(value: str | None) -> str | None:
    """EPCIS 2.0 JSON takes CBV values bare ("loading") or as web URIs, not as CBV 1.x URNs."""
    if value is not None and value.startswith("urn:epcglobal:cbv:"):
        raise ValueError(f"use the bare CBV 2.0 value (e.g. '{value.rsplit(':', 1)[-1]}'), not the URN '{value}'")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class _Extensible(BaseModel):
    """Refuses unknown plain fields but keeps namespaced EPCIS extensions."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    @model_validator(mode="after")
    def _only_namespaced_extensions(self) -> _Extensible:
        for name, value in (self.model_extra or {}).items():
            if ":" not in name:
                raise ValueError(f"unknown field '{name}' (EPCIS extensions must be namespaced, e.g. 'ext:{name}')")
            check_json_value(value, name)
        return self


class Location(_Strict):
    """A read point or business location, identified by URI (SGLN or other)."""

    id: str = Field(min_length=1, max_length=512)


class BizTransaction(_Strict):
    """A business transaction reference (bill of lading, declaration number, ...)."""

    type: str | None = Field(default=None, max_length=256)
    bizTransaction: str = Field(min_length=1, max_length=512)

    _cbv_form = field_validator("type")(lambda cls, v: _cbv_value(v))


class SourceDest(_Strict):
    """A source or destination party or location."""

    type: str = Field(min_length=1, max_length=256)
    source: str | None = Field(default=None, max_length=512)
    destination: str | None = Field(default=None, max_length=512)

    _cbv_form = field_validator("type")(lambda cls, v: _cbv_value(v))


class SensorElement(_Extensible):
    """Sensor data captured with the event (kept as given)."""

    sensorMetadata: dict[str, Any] | None = None
    sensorReport: list[dict[str, Any]] = Field(min_length=1)

    @field_validator("sensorMetadata", "sensorReport")
    @classmethod
    def _bounded(cls, value: Any) -> Any:
        check_json_value(value, "sensor data")
        return value


class EventPayload(_Extensible):
    """One EPCIS 2.0 event, as recorded in a ledger entry."""

    type: Literal["ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent", "AssociationEvent"]
    eventTime: datetime
    eventTimeZoneOffset: str = Field(pattern=_OFFSET_PATTERN)
    action: Literal["ADD", "OBSERVE", "DELETE"] | None = None
    bizStep: str | None = Field(default=None, max_length=256)
    disposition: str | None = Field(default=None, max_length=256)
    readPoint: Location | None = None
    bizLocation: Location | None = None
    epcList: list[str] | None = None
    bizTransactionList: list[BizTransaction] | None = None
    sourceList: list[SourceDest] | None = None
    destinationList: list[SourceDest] | None = None
    sensorElementList: list[SensorElement] | None = None
    eventID: str | None = Field(default=None, max_length=512)

    _cbv_form = field_validator("bizStep", "disposition")(lambda cls, v: _cbv_value(v))

    @field_validator("eventTime", mode="before")
    @classmethod
    def _rfc3339(cls, value: Any) -> Any:
        if not isinstance(value, str) or not _RFC3339.match(value):
            raise ValueError(
                f"eventTime must be an RFC 3339 date-time with a time zone (e.g. 2026-11-28T10:00:00Z), not {value!r}"
            )
        return value

    @field_validator("eventTime")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("eventTime must carry a time zone (e.g. 2026-11-28T10:00:00Z)")
        return value

    @model_validator(mode="after")
    def _action_required(self) -> EventPayload:
        if self.type != "TransformationEvent" and self.action is None:
            raise ValueError(f"{self.type} requires 'action' (ADD, OBSERVE or DELETE)")
        return self

    def to_json(self) -> dict[str, Any]:
        """The payload as JSON data, without unset fields; the input to canonicalisation."""
        data: dict[str, Any] = self.model_dump(mode="json", exclude_none=True)
        return data


_M = TypeVar("_M", bound=BaseModel)


def first_error(exc: ValidationError, within: str = "") -> str:
    """Where (a dotted path under ``within``) and what the first validation error is."""
    first = exc.errors()[0]
    where = ".".join(str(p) for p in (within, *first["loc"]) if p != "")
    return f"{where}: {first['msg']}"


def stated_part(payload: Any, field: str, model: type[_M], missing: str) -> _M:
    """The part of a payload under the extension ``field``, as ``model``; ValueError saying
    ``missing`` when it is absent, else naming the first field that is wrong."""
    stated = payload.get(field) if isinstance(payload, dict) else None
    if stated is None:
        raise ValueError(missing)
    try:
        return model.model_validate(stated)
    except ValidationError as exc:
        raise ValueError(first_error(exc, field)) from None

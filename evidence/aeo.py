"""AEO programmes, recognition reasons and the MRA data elements record (pure)."""

from __future__ import annotations

from datetime import date
from enum import IntEnum, IntFlag
from typing import Any

from eth_utils.crypto import keccak
from pydantic import BaseModel, ConfigDict, Field

from evidence.canonical import canonical_json
from evidence.types import Hash32


class Programme(IntFlag):
    """AEO programmes, as the bit set ``programmes`` on chain."""

    AEO_S = 1  # security and safety
    AEO_C = 2  # customs simplifications

    @property
    def label(self) -> str:
        """ "AEO-S" or "AEO-C"."""
        return {Programme.AEO_S: "AEO-S", Programme.AEO_C: "AEO-C"}[self]

    @classmethod
    def from_labels(cls, labels: list[str]) -> int:
        """The bit set of programme labels such as ["AEO-S", "AEO-C"]."""
        by_label = {p.label: p for p in (cls.AEO_S, cls.AEO_C)}
        value = 0
        for label in labels:
            value |= int(by_label[label])
        return value

    @classmethod
    def labels(cls, bits: int) -> list[str]:
        """The labels of a bit set."""
        return [p.label for p in (cls.AEO_S, cls.AEO_C) if bits & p]


class Reason(IntEnum):
    """Why a certificate is or is not recognised (``IAEORegistry.Reason``)."""

    UNKNOWN_CERTIFICATE = 0
    VALID_AT_HOME = 1
    RECOGNISED_UNDER_MRA = 2
    NOT_YET_VALID = 3
    SUSPENDED = 4
    REVOKED = 5
    EXPIRED = 6
    NO_MRA = 7
    MRA_NOT_ACCEPTED = 8
    MRA_OUT_OF_SCOPE = 9
    MRA_TERMINATED = 10
    MRA_EXPIRED = 11

    @property
    def text(self) -> str:
        """A sentence for people."""
        return _REASON_TEXT[self]


_REASON_TEXT = {
    Reason.UNKNOWN_CERTIFICATE: "no such certificate (at that time)",
    Reason.VALID_AT_HOME: "valid, and this is the issuing customs administration",
    Reason.RECOGNISED_UNDER_MRA: "valid at home and an active mutual-recognition agreement covers it",
    Reason.NOT_YET_VALID: "the certificate's validity has not started",
    Reason.SUSPENDED: "the certificate is suspended by its issuing customs administration",
    Reason.REVOKED: "the certificate is revoked",
    Reason.EXPIRED: "the certificate has expired",
    Reason.NO_MRA: "there is no mutual-recognition agreement between the two customs administrations",
    Reason.MRA_NOT_ACCEPTED: "the mutual-recognition agreement is proposed but not accepted",
    Reason.MRA_OUT_OF_SCOPE: "the mutual-recognition agreement does not cover the certificate's programmes",
    Reason.MRA_TERMINATED: "the mutual-recognition agreement was terminated",
    Reason.MRA_EXPIRED: "the mutual-recognition agreement has expired",
}

STATUS_NAMES = ("none", "valid", "suspended", "revoked")


class MraDataElements(BaseModel):
    """The AEO data elements exchanged under MRAs; on chain only their hash."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    operator_name: str = Field(min_length=1, max_length=256)
    operator_address: str = Field(min_length=1, max_length=512)
    identification_number: str = Field(min_length=1, max_length=64, description="EORI, TIN or national number")
    validation_date: date

    def to_json(self) -> dict[str, Any]:
        """JSON data of the record."""
        data: dict[str, Any] = self.model_dump(mode="json")
        return data


def data_hash(record: MraDataElements) -> Hash32:
    """keccak256 of the record's RFC 8785 JSON: the ``dataHash`` a certificate anchors."""
    return Hash32(keccak(canonical_json(record.to_json())))

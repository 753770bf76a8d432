"""A structured goods declaration: the subset of the WCO Data Model (v3/v4 classes
Declaration, GoodsShipment, GovernmentAgencyGoodsItem, Party) that mirror comparison and
the time-release benchmark need. Stated under ``bl:declaration.goods``; a declaration
without it stays accepted, as a document-only declaration.

Amounts are JSON numbers read as decimals; masses are kilograms; quantities are in a
UN/ECE Recommendation 20 unit; currencies are ISO 4217; countries ISO 3166-1 alpha-2.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# Valuation bases: the two customs statistics use (FOB exports, CIF imports) and the
# Incoterms 2020 rules, which say where the seller's costs stop.
ValuationBasis = Literal["FOB", "CIF", "EXW", "FCA", "FAS", "CFR", "CPT", "CIP", "DAP", "DPU", "DDP"]
# Incoterms whose price includes freight and insurance to the importing border (CIF-like).
CIF_LIKE = frozenset({"CIF", "CIP", "DAP", "DPU", "DDP"})
# USCC: China's unified social credit code; BIN: Kazakhstan's business identification number.
PartyScheme = Literal["EORI", "USCC", "AEO", "TIN", "BIN"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class PartyId(_Strict):
    """An identifier of a party under a scheme."""

    scheme: PartyScheme
    value: str = Field(min_length=2, max_length=35, pattern=r"^[A-Za-z0-9\-]+$")


class Party(_Strict):
    """A consignor or consignee."""

    name: str = Field(min_length=1, max_length=256)
    country: str = Field(pattern=r"^[A-Z]{2}$")
    ids: list[PartyId] = Field(default_factory=list, max_length=8)


class Amount(_Strict):
    """A sum in a currency."""

    value: Decimal = Field(ge=0, max_digits=18, decimal_places=2)
    currency: str = Field(pattern=r"^[A-Z]{3}$")


class GoodsItem(_Strict):
    """One goods item of a declaration."""

    sequence: int = Field(ge=1, le=999)
    hsCode: str = Field(pattern=r"^[0-9]{6}([0-9]{2}){0,2}$", description="at least the 6-digit HS subheading")
    hsEdition: Literal["HS2012", "HS2017", "HS2022"]
    description: str = Field(min_length=3, max_length=512)
    quantity: Decimal = Field(gt=0, max_digits=15, decimal_places=3)
    unit: str = Field(pattern=r"^[A-Z0-9]{2,3}$", description="UN/ECE Rec. 20, e.g. C62 (units), KGM, MTR")
    netMassKg: Decimal = Field(gt=0, max_digits=15, decimal_places=3)
    grossMassKg: Decimal = Field(gt=0, max_digits=15, decimal_places=3)
    value: Amount
    valuationBasis: ValuationBasis
    freight: Amount | None = None
    insurance: Amount | None = None
    originCountry: str = Field(pattern=r"^[A-Z]{2}$")
    preferenceClaimed: bool = False

    @model_validator(mode="after")
    def _masses(self) -> GoodsItem:
        if self.grossMassKg < self.netMassKg:
            raise ValueError(f"item {self.sequence}: gross mass is below net mass")
        return self


class GoodsDeclaration(_Strict):
    """Parties and goods items of one declaration."""

    consignor: Party
    consignee: Party
    items: list[GoodsItem] = Field(min_length=1, max_length=999)

    @model_validator(mode="after")
    def _numbered(self) -> GoodsDeclaration:
        numbers = [i.sequence for i in self.items]
        if len(set(numbers)) != len(numbers):
            raise ValueError("goods item sequence numbers repeat")
        return self


def normalised_name(name: str) -> str:
    """A party name compared across declarations: case, accents, punctuation and legal-form
    words set aside ("Chongqing Precision Machinery Co., Ltd." ~ "CHONGQING PRECISION MACHINERY CO LTD")."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", plain)
    legal_forms = {
        "co",
        "ltd",
        "llc",
        "llp",
        "gmbh",
        "ag",
        "sa",
        "sarl",
        "bv",
        "nv",
        "inc",
        "corp",
        "company",
        "limited",
        "too",
        "jsc",
        "plc",
        "kg",
    }
    return " ".join(w for w in words if w not in legal_forms)

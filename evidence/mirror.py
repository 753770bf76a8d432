"""Mirror comparison: a consignment's export declaration against its import declaration,
item by item, as customs of both ends see them (pure).

Each discrepancy has a code, a severity and what was compared; the tolerances and the
exchange rates are versioned data (:data:`TOLERANCES`, :data:`RATES`), named in every
result, so an old comparison can be reproduced. The practice follows UN Comtrade's notes
on bilateral asymmetries (CIF/FOB, classification, timing, partner attribution), the IMF's
CIF/FOB factor (about 1.06 on average) and the WCO's use of mirror analysis for risk
targeting.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from typing import Any

from evidence.event_types import EventType
from evidence.prearrival import DeclarationFacts
from evidence.wco import CIF_LIKE, Amount, GoodsDeclaration, GoodsItem, Party, normalised_name


class Severity(StrEnum):
    """How much a discrepancy matters; ``critical`` ones can feed the risk rules."""

    INFORMATIONAL = "informational"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"


@dataclass(frozen=True)
class Tolerances:
    """What differences are expected between the two ends of a trade."""

    version: str
    mass_relative: Decimal  # net mass may differ by this share ...
    mass_absolute_kg: Decimal  # ... or this many kilograms, whichever is larger
    cif_fob_expected: Decimal  # CIF import value / FOB export value, on average
    ratio_floor: Decimal  # below: possible undervaluation at import (critical)
    ratio_ceiling: Decimal  # above: possible overvaluation or misattribution (minor)
    transit_days: dict[str, tuple[int, int]]  # transport mode → expected days, min and max


@dataclass(frozen=True)
class RateSnapshot:
    """Exchange rates into one currency, fixed on a date."""

    version: str
    base: str
    per_unit: dict[str, Decimal]  # currency → units of ``base`` per unit

    def convert(self, amount: Amount) -> Decimal:
        """``amount`` in the base currency; KeyError for a currency the snapshot lacks."""
        return amount.value * self.per_unit[amount.currency]


TOLERANCES = Tolerances(
    version="mirror-tolerances/2026-11",
    mass_relative=Decimal("0.01"),
    mass_absolute_kg=Decimal("1"),
    cif_fob_expected=Decimal("1.06"),
    ratio_floor=Decimal("0.98"),
    ratio_ceiling=Decimal("1.25"),
    transit_days={
        "rail": (10, 25),
        "sea_container": (25, 50),
        "sea_bulk": (20, 60),
        "short_sea": (1, 10),
        "road": (2, 14),
        "air": (0, 4),
    },
)
# Reference rates (units of EUR per unit), fixed for reproducibility; a real deployment
# publishes its own snapshot, e.g. the ECB's of the declaration's month.
RATES = RateSnapshot(
    version="rates/2026-11-02",
    base="EUR",
    per_unit={
        "EUR": Decimal("1"),
        "USD": Decimal("0.86"),
        "CNY": Decimal("0.121"),
        "KZT": Decimal("0.00168"),
        "RUB": Decimal("0.0107"),
        "GBP": Decimal("1.14"),
        "JPY": Decimal("0.0057"),
    },
)


@dataclass(frozen=True)
class Discrepancy:
    """One difference between the two declarations."""

    code: str
    severity: Severity
    item: int | None  # the goods item's sequence, None for the declaration as a whole
    export: Any
    import_: Any
    detail: str

    def to_json(self) -> dict[str, Any]:
        """As JSON data (``import`` for the import side)."""
        data = asdict(self)
        data["import"] = data.pop("import_")
        data["severity"] = self.severity.value
        return data


@dataclass(frozen=True)
class StatedGoods:
    """A DECLARATION entry stating parties and goods items."""

    seq: int
    time: datetime | None  # the event time its author signed (every accepted entry states one)
    facts: DeclarationFacts
    goods: GoodsDeclaration


def stated_goods(entries: Iterable[tuple[int, EventType, Any]]) -> list[StatedGoods]:
    """The declarations among (seq, event type, payload) that state goods, in the order given
    (one without them is document-only)."""
    out = []
    for seq, event_type, payload in entries:
        if event_type is not EventType.DECLARATION or not isinstance(payload, dict):
            continue
        try:
            facts = DeclarationFacts.model_validate(payload.get("bl:declaration"))
        except ValueError:
            continue
        try:
            time: datetime | None = datetime.fromisoformat(str(payload.get("eventTime")).replace("Z", "+00:00"))
        except ValueError:
            time = None
        if facts.goods is not None:
            out.append(StatedGoods(seq, time, facts, facts.goods))
    return out


def export_and_import(
    stated: list[StatedGoods], origin: str | None = None, destination: str | None = None
) -> tuple[StatedGoods | None, StatedGoods | None]:
    """The latest export declaration (lodged with ``origin``, if given) and the latest import
    declaration (lodged with ``destination``, if given): a later one amends an earlier one."""
    export = [d for d in stated if d.facts.kind == "export" and origin in (None, d.facts.declaredTo)]
    imported = [d for d in stated if d.facts.kind == "import" and destination in (None, d.facts.declaredTo)]
    return (export[-1] if export else None, imported[-1] if imported else None)


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN))


def compare_hs(export: GoodsItem, imported: GoodsItem) -> list[Discrepancy]:
    """Classification: equal at 6 digits, or how far apart."""
    out = []
    if export.hsEdition != imported.hsEdition:
        out.append(
            Discrepancy(
                "HS_EDITION",
                Severity.INFORMATIONAL,
                export.sequence,
                export.hsEdition,
                imported.hsEdition,
                "different HS editions: codes compared as declared",
            )
        )
    a, b = export.hsCode[:6], imported.hsCode[:6]
    if a == b:
        return out
    if a[:2] != b[:2]:
        code, severity, what = "HS_CHAPTER", Severity.CRITICAL, "different HS chapter"
    elif a[:4] != b[:4]:
        code, severity, what = "HS_HEADING", Severity.MAJOR, "same chapter, different heading"
    else:
        code, severity, what = "HS_SUBHEADING", Severity.MINOR, "same heading, different subheading"
    out.append(Discrepancy(code, severity, export.sequence, a, b, what))
    return out


def compare_quantity_and_mass(export: GoodsItem, imported: GoodsItem, tolerances: Tolerances) -> list[Discrepancy]:
    """Counted quantities exactly; net mass within max(relative, absolute)."""
    out = []
    if export.unit != imported.unit or export.quantity != imported.quantity:
        out.append(
            Discrepancy(
                "QUANTITY",
                Severity.MAJOR,
                export.sequence,
                f"{export.quantity} {export.unit}",
                f"{imported.quantity} {imported.unit}",
                "counted quantities differ",
            )
        )
    allowed = max(export.netMassKg * tolerances.mass_relative, tolerances.mass_absolute_kg)
    difference = abs(imported.netMassKg - export.netMassKg)
    if difference > allowed:
        out.append(
            Discrepancy(
                "NET_MASS",
                Severity.MAJOR,
                export.sequence,
                str(export.netMassKg),
                str(imported.netMassKg),
                f"net mass differs by {difference} kg (allowed {allowed} kg)",
            )
        )
    return out


def fob_and_cif(item: GoodsItem, rates: RateSnapshot) -> tuple[Decimal, bool]:
    """The item's value in the base currency and whether it includes freight and insurance
    to the importing border (adding stated freight and insurance to a FOB-like value)."""
    value = rates.convert(item.value)
    if item.valuationBasis in CIF_LIKE:
        return value, True
    extras = [rates.convert(a) for a in (item.freight, item.insurance) if a is not None]
    return (value + sum(extras, Decimal(0)), True) if len(extras) == 2 else (value, False)


def compare_value(
    export: GoodsItem, imported: GoodsItem, tolerances: Tolerances, rates: RateSnapshot
) -> list[Discrepancy]:
    """Import value against export value in one currency: a CIF import of a FOB export is
    expected near the CIF/FOB factor; far below it suggests undervaluation at import."""
    export_value, export_cif = fob_and_cif(export, rates)
    import_value, import_cif = fob_and_cif(imported, rates)
    if export_value == 0:
        return (
            []
            if import_value == 0
            else [
                Discrepancy(
                    "VALUE", Severity.MAJOR, export.sequence, "0", _money(import_value), "no export value declared"
                )
            ]
        )
    ratio = (import_value / export_value).quantize(Decimal("0.0001"))
    basis = (
        f"{'CIF' if import_cif else 'FOB'}/{'CIF' if export_cif else 'FOB'} {ratio} (expected about "
        f"{tolerances.cif_fob_expected if import_cif and not export_cif else 1}), in {rates.base} at {rates.version}"
    )
    if ratio < tolerances.ratio_floor:
        return [
            Discrepancy(
                "UNDERVALUATION",
                Severity.CRITICAL,
                export.sequence,
                _money(export_value),
                _money(import_value),
                f"possible undervaluation at import: {basis}",
            )
        ]
    if ratio > tolerances.ratio_ceiling:
        return [
            Discrepancy(
                "VALUE_ABOVE_RANGE",
                Severity.MINOR,
                export.sequence,
                _money(export_value),
                _money(import_value),
                f"import value above the expected range: {basis}",
            )
        ]
    return []


def compare_origin(export: GoodsItem, imported: GoodsItem) -> list[Discrepancy]:
    """Country of origin; critical when the import claims a preference on it."""
    if export.originCountry == imported.originCountry:
        return []
    severity = Severity.CRITICAL if imported.preferenceClaimed else Severity.MAJOR
    detail = "origin differs" + (" and a tariff preference is claimed on it" if imported.preferenceClaimed else "")
    return [Discrepancy("ORIGIN", severity, export.sequence, export.originCountry, imported.originCountry, detail)]


def same_party(a: Party, b: Party) -> tuple[bool, str]:
    """Matched by a shared scheme identifier, else by normalised name."""
    ids_a = {(i.scheme, i.value.upper()) for i in a.ids}
    ids_b = {(i.scheme, i.value.upper()) for i in b.ids}
    shared_schemes = {s for s, _ in ids_a} & {s for s, _ in ids_b}
    if shared_schemes:
        return bool(ids_a & ids_b), f"by {', '.join(sorted(shared_schemes))}"
    return normalised_name(a.name) == normalised_name(b.name), "by normalised name"


def compare(
    export: GoodsDeclaration,
    imported: GoodsDeclaration,
    transit_seconds: int | None = None,
    mode: str | None = None,
    tolerances: Tolerances = TOLERANCES,
    rates: RateSnapshot = RATES,
) -> list[Discrepancy]:
    """Every discrepancy between an export and an import declaration of one consignment."""
    out: list[Discrepancy] = []
    for role in ("consignor", "consignee"):
        matched, how = same_party(getattr(export, role), getattr(imported, role))
        if not matched:
            out.append(
                Discrepancy(
                    f"{role.upper()}",
                    Severity.MAJOR,
                    None,
                    getattr(export, role).name,
                    getattr(imported, role).name,
                    f"the {role}s differ ({how})",
                )
            )
    by_number = {i.sequence: i for i in imported.items}
    for item in export.items:
        other = by_number.pop(item.sequence, None)
        if other is None:
            out.append(
                Discrepancy(
                    "ITEM_MISSING",
                    Severity.MAJOR,
                    item.sequence,
                    item.hsCode,
                    None,
                    "an exported item is not declared at import",
                )
            )
            continue
        out += compare_hs(item, other) + compare_quantity_and_mass(item, other, tolerances)
        out += compare_value(item, other, tolerances, rates) + compare_origin(item, other)
    for extra in by_number.values():
        out.append(
            Discrepancy(
                "ITEM_EXTRA",
                Severity.MAJOR,
                extra.sequence,
                None,
                extra.hsCode,
                "an imported item was not declared at export",
            )
        )
    if transit_seconds is not None and mode in tolerances.transit_days:
        low, high = tolerances.transit_days[mode]
        days = Decimal(transit_seconds) / 86_400
        if not low <= days <= high:
            out.append(
                Discrepancy(
                    "TRANSIT_TIME",
                    Severity.MINOR,
                    None,
                    f"{low}-{high} days",
                    f"{days:.1f} days",
                    f"export to import declaration outside the expected {mode} window",
                )
            )
    return out

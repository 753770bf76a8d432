"""A realistic trade simulation, deterministic from a seed, driven through a node's API so the
time-release benchmark and the mirror views have substance.

Two lanes — Chongqing–Duisburg by rail through Khorgos (KZ seal checks, recognised by DE
under their MRA) and Shanghai–Hamburg by sea — with mode-specific timings; AEO and other
exporters; export and import declarations with goods items (some lodged late, undervalued,
reclassified, heavier or of another origin); DE customs assigning lanes, controlling,
holding, releasing. What a consignment states follows from the seed and its number alone.

    python -m scripts.simulate --url http://127.0.0.1:8000 --keys data/demo-keys.json --count 2000
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

START = datetime(2026, 9, 1, 0, 0, tzinfo=UTC)
OFFICER = "0x" + "5e" * 32


@dataclass(frozen=True)
class Lane:
    """A trade lane: route, mode, places and door-to-border days."""

    name: str
    transit: tuple[str, ...]
    mode: str
    departure: str  # UN/LOCODE
    via: str | None
    entry: str
    days: tuple[int, int]


LANES = (
    Lane("Chongqing–Duisburg rail via Khorgos", ("KZ",), "rail", "CNCKG", "KZKHG", "DEDUI", (12, 19)),
    Lane("Shanghai–Hamburg sea", (), "sea_container", "CNSHA", None, "DEHAM", (30, 42)),
)
GOODS = (  # HS 2022 subheading, description, unit value EUR, kg per unit
    ("850440", "static converters for industrial drives", 820, 9.5),
    ("847989", "machines for treating metal, n.e.s.", 14200, 310.0),
    ("940540", "LED luminaires for warehouses", 95, 2.1),
    ("731815", "threaded screws and bolts of steel", 1.2, 0.05),
    ("854140", "photovoltaic cells assembled in modules", 110, 19.0),
    ("870899", "parts and accessories of motor vehicles", 64, 3.4),
)


class Api:
    """A few calls of the node's API, as one participant."""

    def __init__(self, url: str, key: str) -> None:
        self.url, self.session = url.rstrip("/"), requests.Session()
        self.session.headers["X-API-Key"] = key

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.session.request(method, self.url + path, timeout=180, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:400]}")
        return response.json()

    def event(self, reference: str, event_type: str, payload: dict[str, Any]) -> None:
        self.call("POST", f"/v1/consignments/{reference}/events", json={"event_type": event_type, "payload": payload})


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def epcis(when: datetime, step: str, place: str | None = None, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventTime": iso(when),
        "eventTimeZoneOffset": "+00:00",
        "action": "OBSERVE",
        "bizStep": step,
        "readPoint": {"id": f"urn:epc:id:sgln:4012345.{zlib.crc32((place or step).encode()) % 99999:05d}.0"},
        **(extra or {}),
    }
    if place is not None:
        payload["bl:location"] = {"unlocode": place}
    return payload


@dataclass(frozen=True)
class Plan:
    """One consignment, fully decided by the seed."""

    number: int
    reference: str
    lane: Lane
    exporter: int
    aeo: bool
    start: datetime
    arrival: datetime
    import_lodged: datetime
    export_items: list[dict[str, Any]]
    import_items: list[dict[str, Any]]
    lane_colour: str
    control: str | None  # control type
    outcome: str  # conformant / non_conformant
    release_after_h: float
    delivery_after_h: float
    transit_seal_check: bool


def plan(seed: int, number: int, exporters: int, aeo_exporters: int) -> Plan:
    """Consignment ``number`` of the simulation seeded ``seed``."""
    rng = random.Random(f"{seed}:{number}")
    lane = LANES[0] if rng.random() < 0.6 else LANES[1]
    exporter = rng.randrange(exporters)
    aeo = exporter < aeo_exporters
    start = START + timedelta(hours=number * 1.5 + rng.uniform(0, 12))
    arrival = start + timedelta(days=rng.uniform(*lane.days))
    late = rng.random() < 0.1
    lodged = arrival + timedelta(hours=rng.uniform(2, 12)) if late else arrival - timedelta(hours=rng.uniform(4, 96))
    items: list[dict[str, Any]] = []
    for n in range(1, rng.randint(1, 3) + 1):
        hs, description, unit_value, kg = GOODS[rng.randrange(len(GOODS))]
        quantity = rng.randint(10, 400)
        items.append(
            {
                "sequence": n,
                "hsCode": hs,
                "hsEdition": "HS2022",
                "description": description,
                "quantity": quantity,
                "unit": "C62",
                "netMassKg": round(quantity * kg, 1),
                "grossMassKg": round(quantity * kg * 1.08, 1),
                "value": {"value": round(quantity * unit_value, 2), "currency": "EUR"},
                "valuationBasis": "FOB",
                "originCountry": "CN",
            }
        )
    imported: list[dict[str, Any]] = []
    for item in items:
        cif = round(item["value"]["value"] * rng.uniform(1.03, 1.09), 2)
        other = {**item, "valuationBasis": "CIF", "value": {"value": cif, "currency": "EUR"}}
        roll = rng.random()
        if roll < 0.06:
            other["value"] = {"value": round(item["value"]["value"] * rng.uniform(0.7, 0.92), 2), "currency": "EUR"}
        elif roll < 0.10:
            other["hsCode"] = item["hsCode"][:4] + ("90" if item["hsCode"][4:] != "90" else "10")
        elif roll < 0.12:
            other["hsCode"] = "940540" if item["hsCode"] != "940540" else "850440"
        elif roll < 0.15:
            other["netMassKg"] = round(item["netMassKg"] * 1.04, 1)
            other["grossMassKg"] = round(item["grossMassKg"] * 1.04, 1)
        elif roll < 0.17:
            other["originCountry"], other["preferenceClaimed"] = "VN", True
        imported.append(other)
    risky = any(o != i | {"valuationBasis": "CIF", "value": o["value"]} for o, i in zip(imported, items, strict=True))
    seal_broken = lane.mode == "rail" and rng.random() < 0.03
    red_share = 0.03 if aeo else 0.12
    colour = (
        "red"
        if seal_broken or rng.random() < red_share
        else ("yellow" if rng.random() < (0.05 if aeo else 0.2) else "green")
    )
    control = {"green": None, "yellow": "documentary", "red": "seal_check" if seal_broken else "physical"}[colour]
    outcome = "non_conformant" if seal_broken or (colour == "red" and (risky or rng.random() < 0.2)) else "conformant"
    release = {"green": rng.uniform(0.2, 2), "yellow": rng.uniform(3, 20), "red": rng.uniform(10, 60)}[colour]
    if outcome == "non_conformant":
        release += rng.uniform(24, 96)
    return Plan(
        number,
        f"SIM{seed}-{number:05d}",
        lane,
        exporter,
        aeo,
        start,
        arrival,
        lodged,
        items,
        imported,
        colour,
        control,
        outcome,
        release,
        rng.uniform(6, 36),
        lane.via is not None and rng.random() < 0.7,
    )


# --- the participants ---------------------------------------------------------------------


def party(name: str, country: str, scheme: str, value: str) -> dict[str, Any]:
    return {"name": name, "country": country, "ids": [{"scheme": scheme, "value": value}]}


def participants(
    url: str, keys: dict[str, dict[str, str]], seed: int, state: Path, exporters: int, aeo: int
) -> dict[str, Any]:
    """The simulation's traders and carrier, admitted once per seed (kept in ``state``), and
    the AEO certificates of the first ``aeo`` exporters."""
    if state.exists():
        known: dict[str, Any] = json.loads(state.read_text())
        return known
    cn, de = Api(url, keys["customs-CN"]["api_key"]), Api(url, keys["customs-DE"]["api_key"])
    out: dict[str, Any] = {"exporters": [], "importers": []}

    def admit(customs: Api, name: str, legal_id: str, country: str, role: str) -> dict[str, str]:
        body = {"name": name, "legal_id": legal_id, "jurisdiction": country, "roles": [role]}
        made = customs.call("POST", "/v1/participants", json=body)
        return {
            "address": made["participant"]["address"],
            "api_key": made["api_key"],
            "name": name,
            "legal_id": legal_id,
        }

    for n in range(exporters):
        usc = f"9150{seed:04d}{n:08d}X"[:18]
        out["exporters"].append(admit(cn, f"Sim Exporter {n} (Chongqing) Co., Ltd.", usc, "CN", "EXPORTER"))
    for n in range(max(2, exporters // 3)):
        eori = f"DE{seed:04d}{n:011d}"
        out["importers"].append(admit(de, f"Sim Importer {n} GmbH", eori, "DE", "IMPORTER"))
    out["carrier"] = admit(cn, "Sim Eurasia Rail and Sea Logistics Co., Ltd.", f"SIMCARRIER{seed}", "CN", "CARRIER")
    for n, exporter in enumerate(out["exporters"][:aeo]):
        certificate = f"CNAEO{seed:04d}{n:06d}"
        text = f"AEO certificate {certificate} for {exporter['name']}".encode()
        stored = cn.call(
            "POST",
            "/v1/documents",
            params={"document_type": "aeo_certificate", "filename": "aeo.txt"},
            data=text,
            headers={"Content-Type": "text/plain"},
        )
        today = date.today()
        cn.call(
            "POST",
            "/v1/aeo/certificates",
            json={
                "number": certificate,
                "holder": exporter["address"],
                "programmes": ["AEO-S", "AEO-C"],
                "valid_from": str(today - timedelta(days=400)),
                "valid_until": str(today + timedelta(days=700)),
                "document_cid": stored["cid"],
                "data_elements": {
                    "operator_name": exporter["name"],
                    "operator_address": "Liangjiang New Area, Chongqing",
                    "identification_number": exporter["legal_id"],
                    "validation_date": str(today - timedelta(days=400)),
                },
            },
        )
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_text(json.dumps(out, indent=2) + "\n")
    return out


# --- one consignment ------------------------------------------------------------------------


def declaration(
    kind: str,
    to: str,
    mode: str,
    items: list[dict[str, Any]],
    consignor: dict[str, Any],
    consignee: dict[str, Any],
    when: datetime,
) -> dict[str, Any]:
    facts = {
        "kind": kind,
        "mode": mode,
        "declaredTo": to,
        "goods": {"consignor": consignor, "consignee": consignee, "items": items},
    }
    return epcis(when, "declaring", extra={"bl:declaration": facts})


def drive(url: str, keys: dict[str, dict[str, str]], people: dict[str, Any], p: Plan) -> int:
    """Write consignment ``p`` through the API; the number of entries written (0 if it exists)."""
    exporter = people["exporters"][p.exporter % len(people["exporters"])]
    importer = people["importers"][p.number % len(people["importers"])]
    carrier = people["carrier"]
    ex, im, ca = Api(url, exporter["api_key"]), Api(url, importer["api_key"]), Api(url, carrier["api_key"])
    de = Api(url, keys["customs-DE"]["api_key"])
    opened = ex.session.post(
        f"{url}/v1/consignments",
        timeout=180,
        json={
            "reference": p.reference,
            "origin": "CN",
            "destination": "DE",
            "transit": list(p.lane.transit),
            "importer": importer["address"],
            "carrier": carrier["address"],
        },
    )
    if opened.status_code == 409:
        return 0  # written by an earlier run of the same seed
    if opened.status_code >= 400:
        raise RuntimeError(f"open {p.reference}: {opened.status_code} {opened.text[:300]}")
    consignor = party(exporter["name"], "CN", "USCC", exporter["legal_id"])
    consignee = party(importer["name"], "DE", "EORI", importer["legal_id"])
    steps: list[tuple[Api, str, dict[str, Any]]] = [
        (ex, "DECLARATION", declaration("export", "CN", p.lane.mode, p.export_items, consignor, consignee, p.start)),
        (ca, "LOADING", epcis(p.start + timedelta(hours=3), "loading", p.lane.departure)),
        (ca, "DEPARTING", epcis(p.start + timedelta(hours=8), "departing", p.lane.departure)),
    ]
    if p.lane.via:
        half = p.start + (p.arrival - p.start) / 2
        steps.append((ca, "ARRIVING", epcis(half, "arriving", p.lane.via)))
        if p.transit_seal_check:  # recognised by DE under the DE–KZ MRA
            kz = Api(url, keys["customs-KZ"]["api_key"])
            check = transit_seal_check(p, half + timedelta(hours=4))
            steps.append((kz, "CONTROL_RESULT", epcis(half + timedelta(hours=5), "inspecting", p.lane.via, check)))
        steps.append((ca, "DEPARTING", epcis(half + timedelta(hours=20), "departing", p.lane.via)))
    lodged = (
        im,
        "DECLARATION",
        declaration("import", "DE", p.lane.mode, p.import_items, consignor, consignee, p.import_lodged),
    )
    arrived = (ca, "ARRIVING", epcis(p.arrival, "arriving", p.lane.entry))
    steps += [lodged, arrived] if p.import_lodged < p.arrival else [arrived, lodged]
    lane_at = max(p.arrival, p.import_lodged) + timedelta(minutes=30)
    steps.append((de, "LANE_ASSIGNED", epcis(lane_at, "inspecting", extra={"bl:lane": {"lane": p.lane_colour}})))
    if p.control is not None:
        steps.append(
            (
                de,
                "CONTROL_RESULT",
                epcis(
                    lane_at + timedelta(hours=1),
                    "inspecting",
                    p.lane.entry,
                    extra={"bl:controlResult": control_result(p, lane_at)},
                ),
            )
        )
    release_at = lane_at + timedelta(hours=p.release_after_h)
    if p.outcome == "non_conformant":
        steps.append(
            (
                de,
                "HELD",
                epcis(lane_at + timedelta(hours=2), "holding", extra={"bl:hold": {"reasonCategory": "examination"}}),
            )
        )
    steps += [
        (de, "RELEASED", epcis(release_at, "releasing")),
        (ca, "DELIVERY", epcis(release_at + timedelta(hours=p.delivery_after_h), "delivering")),
    ]
    for api, event_type, payload in steps:
        api.event(p.reference, event_type, payload)
    return 1 + len(steps)


def transit_seal_check(p: Plan, at: datetime) -> dict[str, Any]:
    """KZ customs checks the seals at Khorgos: intact."""
    seals = ["SEAL-" + p.reference]
    check = {
        "controlId": f"KZ-{p.reference}",
        "authority": {"country": "KZ", "office": "KZKHG"},
        "controlType": "seal_check",
        "scope": f"container of {p.reference}",
        "result": "conformant",
        "status7365": "40",
        "sealsExpected": seals,
        "sealsFound": seals,
        "officer": OFFICER,
        "location": "KZKHG",
        "startTime": iso(at),
        "endTime": iso(at + timedelta(minutes=20)),
    }
    return {"bl:controlResult": check}


def control_result(p: Plan, lane_at: datetime) -> dict[str, Any]:
    seal = p.control == "seal_check"
    found = ["SEAL-" + p.reference] if not seal or p.outcome == "conformant" else ["SEAL-REPLACED"]
    result: dict[str, Any] = {
        "controlId": f"DE-{p.reference}",
        "authority": {"country": "DE", "office": p.lane.entry},
        "controlType": p.control,
        "scope": f"consignment {p.reference}",
        "result": p.outcome,
        "status7365": ("40" if p.outcome == "conformant" else "41")
        if seal
        else ("4" if p.outcome == "conformant" else "7"),
        "officer": OFFICER,
        "location": p.lane.entry,
        "startTime": iso(lane_at + timedelta(minutes=40)),
        "endTime": iso(lane_at + timedelta(minutes=55)),
    }
    if seal:
        result |= {"sealsExpected": ["SEAL-" + p.reference], "sealsFound": found}
    return result


def main(argv: list[str] | None = None) -> int:
    """Run the simulation; print a JSON summary with the time it took."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--keys", type=Path, default=Path("data/demo-keys.json"))
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--exporters", type=int, default=12)
    parser.add_argument("--aeo-exporters", type=int, default=4)
    parser.add_argument("--state", type=Path, default=None, help="where the admitted participants are kept")
    args = parser.parse_args(argv)
    keys = json.loads(args.keys.read_text())
    state = args.state or args.keys.parent / f"simulation-{args.seed}.json"
    began = time.monotonic()
    people = participants(args.url, keys, args.seed, state, args.exporters, args.aeo_exporters)
    plans = [plan(args.seed, n, args.exporters, args.aeo_exporters) for n in range(args.count)]
    written = 0
    with ThreadPoolExecutor(args.workers) as pool:
        for n, entries in enumerate(pool.map(lambda p: drive(args.url, keys, people, p), plans), start=1):
            written += entries
            if n % 100 == 0 or n == len(plans):
                print(
                    f"{n}/{len(plans)} consignments, {written} writes, {time.monotonic() - began:.0f} s",
                    file=sys.stderr,
                )
    seconds = round(time.monotonic() - began, 1)
    print(
        json.dumps(
            {
                "consignments": args.count,
                "seed": args.seed,
                "writes": written,
                "seconds": seconds,
                "writes_per_second": round(written / seconds, 1) if seconds else None,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

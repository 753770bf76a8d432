"""Write ``NAME.hashes`` beside each collected EPCIS document: the CBV 2.0 hash IDs that GS1's
reference implementation (epcis-event-hash-generator, its own command line, one fresh process
per document) prints for it. The EPCIS tests compare the node's hash IDs with these files, so
they are an independent record, regenerated only when the pinned reference changes:

    .venv/bin/python tools/epcis_reference_hashes.py tests/data/epcis

Two inputs are adapted before the reference sees them, each a change of form only: a query
document's events are moved into a capture document (the command line reads only
``epcisBody.eventList``), and an event's own ``@context`` is lifted to the document (the
command line reads prefixes only there; BorderLedger hashes such events the same way).
A document the reference cannot hash gets no file, and the reason is printed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any


def _as_reference_input(document: dict[str, Any]) -> dict[str, Any]:
    body = document.get("epcisBody", {})
    events = body.get("eventList") or body.get("queryResults", {}).get("resultsBody", {}).get("eventList", [])
    context = document["@context"] if isinstance(document["@context"], list) else [document["@context"]]
    context = list(context)
    lifted = []
    for event in events:
        own = event.get("@context")
        if own is not None:
            context += own if isinstance(own, list) else [own]
        lifted.append({k: v for k, v in event.items() if k != "@context"})
    return {**document, "@context": context, "type": "EPCISDocument", "epcisBody": {"eventList": lifted}}


def reference_hashes(path: Path) -> tuple[list[str] | None, str]:
    """The reference's hash IDs for a document, or None and why."""
    document = _as_reference_input(json.loads(path.read_text()))
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(document, handle)
    try:
        run = subprocess.run(
            [sys.executable, "-m", "epcis_event_hash_generator", "-e", "JSON", "-l", "ERROR", handle.name],
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        Path(handle.name).unlink()
    hashes = [line for line in run.stdout.splitlines() if line.startswith("ni:///")]
    if run.returncode != 0 or len(hashes) != len(document["epcisBody"]["eventList"]):
        return None, (run.stderr.strip().splitlines() or ["no output"])[-1]
    return hashes, ""


def main(folder: str) -> None:
    for path in sorted(p for p in Path(folder).rglob("*") if p.suffix in (".json", ".jsonld")):
        hashes, why = reference_hashes(path)
        target = path.with_suffix(".hashes")
        if hashes is None:
            target.unlink(missing_ok=True)
            print(f"{path}: the reference cannot hash it: {why}")
        else:
            target.write_text("\n".join(hashes) + "\n")
            print(f"{path}: {len(hashes)} hash IDs")


if __name__ == "__main__":
    main(sys.argv[1])

"""Validating EPCIS 2.0 documents against GS1's official JSON Schema."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError

from evidence.errors import LedgerValueError

SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "EPCIS-JSON-Schema.json"


class EpcisInvalid(LedgerValueError):
    """Raised when a document does not validate; ``problems`` lists every error found."""

    def __init__(self, problems: list[dict[str, Any]]) -> None:
        self.problems = problems
        first = problems[0]
        where = f"event {first['event']}" if first.get("event") is not None else "document"
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(
            f"not a valid EPCIS 2.0 document, nothing was captured: {where} at {first['location'] or '/'}: "
            f"{first['message']}{more}"
        )


@cache
def validator() -> Draft7Validator:
    """The schema validator (loaded once), with GS1's ``"format"`` constraints enforced.

    JSON Schema treats ``format`` as an annotation unless a checker is given. GS1's schema puts
    real rules there: times are RFC 3339 ``date-time`` and every value or key outside CBV's own
    bare words must be a ``uri``. So an unknown bare business step, disposition or sensor type
    is refused rather than stored: EPCIS 2.0 reserves bare words for CBV (a private value is a
    URI of its owner's), and a bare word no one defined could not be compared, queried or
    recognised by a partner's system.
    """
    checker = Draft7Validator.FORMAT_CHECKER
    missing = {"date-time", "uri"} - set(checker.checkers)
    if missing:  # the checkers come from optional packages; never validate silently without them
        needed = "rfc3339-validator, rfc3986-validator"
        raise RuntimeError(f"jsonschema cannot check format {', '.join(sorted(missing))}: install {needed}")
    return Draft7Validator(json.loads(SCHEMA_PATH.read_text()), format_checker=checker)


def _pointer(path: list[Any]) -> str:
    return "/" + "/".join(str(p) for p in path) if path else ""


def _event_index(path: list[Any]) -> int | None:
    # …/eventList/<n>/… (capture documents and query documents alike)
    for i, part in enumerate(path[:-1]):
        if part == "eventList" and isinstance(path[i + 1], int):
            return int(path[i + 1])
    return None


def _deepest(error: ValidationError) -> ValidationError:
    """The most specific cause of an anyOf/oneOf failure: the sub-error deepest in the document."""
    if not error.context:
        return error
    return max((_deepest(c) for c in error.context), key=lambda e: len(e.absolute_path))


def problems_of(document: Any) -> list[dict[str, Any]]:
    """Every schema error: the event index (if inside an event), the JSON pointer, the message."""
    found = [_deepest(e) for e in validator().iter_errors(document)]
    errors: list[ValidationError] = sorted(found, key=lambda e: list(e.absolute_path))
    return [
        {
            "event": _event_index(list(e.absolute_path)),
            "location": _pointer(list(e.absolute_path)),
            "schema_rule": "/" + "/".join(str(p) for p in e.absolute_schema_path),
            "message": e.message if len(e.message) < 400 else e.message[:400] + "…",
        }
        for e in errors
    ]


def require_valid(document: Any) -> None:
    """Raise EpcisInvalid naming the event and location of each schema error."""
    problems = problems_of(document)
    if problems:
        raise EpcisInvalid(problems)

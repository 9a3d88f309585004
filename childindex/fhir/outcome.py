"""Every 4xx and 5xx of the API is an ``OperationOutcome`` with an issue code (FHIR's
IssueType) and a diagnostic a developer can act on."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse

FHIR_JSON = "application/fhir+json"


class FhirError(Exception):
    """Answer the call with this status and OperationOutcome."""

    def __init__(self, status: int, code: str, diagnostics: str, *, headers=None, also=()):
        super().__init__(diagnostics)
        self.status, self.code, self.diagnostics = status, code, diagnostics
        self.headers = headers or {}
        self.also = tuple(also)  # further diagnostics, an issue each (of the same code)


NOT_FOUND = "No Patient with that id is known to the index or open to this client."


def fhir_response(resource: dict[str, Any], *, status: int = 200, headers=None) -> HttpResponse:
    response = HttpResponse(
        json.dumps(resource, separators=(",", ":"), default=str),
        status=status,
        content_type=f"{FHIR_JSON}; charset=utf-8",
    )
    for name, value in (headers or {}).items():
        response[name] = value
    response["Cache-Control"] = "no-store"
    return response


def operation_outcome(
    code: str, diagnostics: str, *, severity: str = "error", also: tuple[str, ...] = ()
) -> dict:
    """An OperationOutcome of one issue, and one more (of the same code) for each of ``also``."""
    return {
        "resourceType": "OperationOutcome",
        "issue": [
            {"severity": severity, "code": code, "diagnostics": text}
            for text in (diagnostics, *also)
        ],
    }


def outcome_response(error: FhirError) -> HttpResponse:
    return fhir_response(
        operation_outcome(error.code, error.diagnostics, also=error.also),
        status=error.status,
        headers=error.headers,
    )

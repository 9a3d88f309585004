"""Test helpers: a client with a token, and R4 validation of every response."""

from __future__ import annotations

import base64
import json

from fhir.resources.R4B import get_fhir_model_class

from childindex.fhir.services import IssuedClient


def validated(response) -> dict:
    """The response's resource, validated against the R4 structure definitions (R4B models)."""
    assert response["Content-Type"].startswith("application/fhir+json"), response["Content-Type"]
    body = json.loads(response.content)
    get_fhir_model_class(body["resourceType"]).model_validate(body)
    return body


def token_for(client, issued: IssuedClient, scope: str | None = None):
    basic = base64.b64encode(f"{issued.client_id}:{issued.client_secret}".encode()).decode()
    data = {"grant_type": "client_credentials"}
    if scope is not None:
        data["scope"] = scope
    return client.post("/fhir/auth/token", data, HTTP_AUTHORIZATION=f"Basic {basic}")


def bearer(client, issued: IssuedClient, scope: str | None = None) -> dict[str, str]:
    response = token_for(client, issued, scope)
    assert response.status_code == 200, response.content
    return {"HTTP_AUTHORIZATION": f"Bearer {response.json()['access_token']}"}

"""The API's front door: a bearer token from the token endpoint (django-oauth-toolkit, client
credentials), the scope the endpoint needs, the client's rate limit; every refusal audited
with the client as actor, and answered with an OperationOutcome."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.oauth2_backends import get_oauthlib_core

from childindex.access.client_ip import client_ip
from childindex.access.decorators import api_client
from childindex.access.policy import AccessRefused
from childindex.access.search_limits import SearchLimitReached
from childindex.audit import context
from childindex.audit.models import EventOutcome
from childindex.audit.services import audit_record
from childindex.fhir.limits import client_call_take
from childindex.fhir.models import ApiClient
from childindex.fhir.outcome import FhirError, outcome_response

log = logging.getLogger(__name__)
BEARER = {"WWW-Authenticate": 'Bearer realm="childindex FHIR API"'}


def _client(request: HttpRequest) -> ApiClient:
    valid, oauth_request = get_oauthlib_core().verify_request(request, scopes=[])
    token = getattr(oauth_request, "access_token", None)
    if not valid or token is None:
        raise FhirError(
            401,
            "login",
            "Send 'Authorization: Bearer <token>' with a token from the token endpoint "
            "(POST /fhir/auth/token, grant_type=client_credentials); this one is missing, "
            "expired or revoked.",
            headers=BEARER,
        )
    client = (
        ApiClient.objects.select_related("account", "organisation", "local_authority")
        .filter(application_id=token.application_id, revoked_at__isnull=True)
        .first()
    )
    if client is None or not client.account.is_active:
        raise FhirError(401, "login", "This client has been revoked.", headers=BEARER)
    request.fhir_scopes = set(token.scope.split())  # type: ignore[attr-defined]
    return client


def _refuse(
    request: HttpRequest,
    client: ApiClient | None,
    action: str,
    error: FhirError,
    patient_id: object = "",
):
    patient = str(patient_id)
    audit_record(
        actor=client.account if client else None,
        children=[patient] if patient.isdigit() else [],  # a Patient's id is its index number
        actor_label="" if client else "api client (unauthenticated)",
        action=action,
        outcome=EventOutcome.DENIED,
        purpose=client.purpose if client else "",
        detail={
            "status": error.status,
            "code": error.code,
            "api_client": getattr(client, "name", ""),
        },
        ip_address=client_ip(request),
    )
    return outcome_response(error)


def fhir_endpoint(scope: str | None, *, action: str) -> Callable:
    """Declare an API endpoint needing ``scope`` (None: any valid token, e.g. metadata)."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            client = None
            try:
                client = _client(request)
                if scope is not None and scope not in request.fhir_scopes:  # type: ignore[attr-defined]
                    raise FhirError(
                        403,
                        "forbidden",
                        f"This call needs the scope '{scope}'; the token holds "
                        f"'{' '.join(sorted(request.fhir_scopes)) or 'none'}'. Ask the index "  # type: ignore[attr-defined]
                        "team for a client with that scope.",
                    )
                wait = client_call_take(client)
                if wait is not None:
                    raise FhirError(
                        429,
                        "throttled",
                        f"Too many requests: this client may make {client.rate_limit_per_minute}"
                        f" calls a minute. Retry after {wait} seconds.",
                        headers={"Retry-After": str(wait)},
                    )
                return view(request, client, *args, **kwargs)
            except SearchLimitReached as reached:
                # child_search has audited the refusal and alerted the LA's auditors.
                wait = max(
                    1,
                    int(
                        (
                            reached.resume_at - reached.resume_at.now(reached.resume_at.tzinfo)
                        ).total_seconds()
                    ),
                )
                return outcome_response(
                    FhirError(
                        429, "throttled", reached.reasons[0], headers={"Retry-After": str(wait)}
                    )
                )
            except AccessRefused as refused:
                return _refuse(
                    request,
                    client,
                    action,
                    FhirError(
                        403,
                        "forbidden",
                        refused.reasons[0] if refused.reasons else "Refused by the access policy.",
                    ),
                )
            except FhirError as error:
                # Every refusal is an event naming the client: the policy's and the limits',
                # and a call the API cannot answer (400, 404: a child nobody holds, criteria
                # that make no search) unless the selector refusing it wrote one already.
                if error.status in (401, 403, 429) or not context.events_written():
                    return _refuse(request, client, action, error, kwargs.get("patient_id", ""))
                return outcome_response(error)
            except Exception:
                log.exception("FHIR API call failed")
                return outcome_response(
                    FhirError(500, "exception", "The index could not answer; try again later.")
                )

        return api_client(csrf_exempt(wrapper))

    return decorate

"""The FHIR R4 API's views: adapters that parse, call one selector, map and answer.

Every read goes through the records selectors (and so the one access policy and the audit
trail), as the client's system account with the client's purpose of access.
"""

from __future__ import annotations

import json
import uuid
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.views import TokenView
from pydantic import ValidationError

from childindex.access.client_ip import client_ip
from childindex.access.decorators import api_client
from childindex.access.policy import AccessRefused
from childindex.audit.models import Action
from childindex.audit.services import audit_record
from childindex.consent.selectors import consent_child, consent_choices, consent_to_withdraw
from childindex.consent.services import consent_record, consent_withdraw
from childindex.fhir.audit_events import audit_event_resource
from childindex.fhir.auth import fhir_endpoint
from childindex.fhir.capability import SEARCH_PARAMS, capability_statement, openapi_document
from childindex.fhir.consents import (
    CONSENT_ID_PREFIX,
    ConsentInputError,
    consent_id,
    consent_resource,
    consent_values,
)
from childindex.fhir.intake import JOB_FAILED, bundle_import, bundle_job_response
from childindex.fhir.mapping import (
    FROM_FHIR_GENDER,
    MATCH_GRADE,
    SYSTEM_TYPES,
    patient_from_match,
    patient_from_team,
    searchset,
)
from childindex.fhir.matching import patient_match
from childindex.fhir.models import ApiClient, BundleJob, BundleJobStatus, Scope
from childindex.fhir.outcome import (
    NOT_FOUND,
    FhirError,
    fhir_response,
    operation_outcome,
    outcome_response,
)
from childindex.fhir.tasks import bundle_job_run
from childindex.fhir.team import (
    ASSESSMENT,
    INFORMATION_TO_SHARE,
    LEAD_PROFESSIONAL,
    TAKING_ACTION,
    team_resources,
)
from childindex.linkage.normalise import LinkRecord
from childindex.monitoring.selectors import NotInYourLA, Period, child_access_history
from childindex.records.models import AssessmentType
from childindex.records.search import SearchCriteriaError, parse_criteria
from childindex.records.selectors import (
    child_search,
    findable_child,
    own_involvement_for,
    team_around_child,
)
from childindex.records.services import involvement_indicators_set

MAX_MATCH_COUNT = 20
RETRY_AFTER_SECONDS = 5


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("fhir:base")).rstrip("/")


def fhir_open(view):
    """No token needed (the CapabilityStatement and the OpenAPI document name no child)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except FhirError as error:
            return outcome_response(error)

    return api_client(csrf_exempt(wrapper))


def _method(request: HttpRequest, *allowed: str) -> None:
    if request.method not in allowed:
        raise FhirError(
            405,
            "not-supported",
            f"{request.method} is not supported here; use {' or '.join(allowed)}.",
        )


@fhir_open
def metadata(request: HttpRequest) -> HttpResponse:
    _method(request, "GET")
    base = _base(request)
    return fhir_response(
        capability_statement(base=base, token_url=request.build_absolute_uri(reverse("fhir:token")))
    )


@fhir_open
def openapi(request: HttpRequest) -> HttpResponse:
    _method(request, "GET")
    document = openapi_document(
        base=_base(request), token_url=request.build_absolute_uri(reverse("fhir:token"))
    )
    response = fhir_response(document)
    response["Content-Type"] = "application/json"
    return response


@fhir_open
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    raise FhirError(
        404,
        "not-supported",
        "This endpoint is not supported: GET /fhir/metadata lists what is.",
    )


# The token endpoint: django-oauth-toolkit's, client credentials only (the client checks
# itself: its id and secret are the credentials). It is no page and holds no child.
token = api_client(TokenView.as_view())


@fhir_endpoint(Scope.READ, action=Action.FHIR_PATIENT_READ)
def patient_read(request: HttpRequest, client: ApiClient, patient_id: str) -> HttpResponse:
    _method(request, "GET")
    child = findable_child(actor=client.account, index_number=patient_id)
    if child is None:
        raise FhirError(404, "not-found", NOT_FOUND)
    try:
        team = team_around_child(
            actor=client.account, child=child, purpose=client.purpose, ip_address=client_ip(request)
        )
    except AccessRefused as refused:
        # The same answer as a child that does not exist (the refusal is audited).
        raise FhirError(404, "not-found", NOT_FOUND) from refused
    return fhir_response(patient_from_team(team))


def _search_values(request: HttpRequest) -> dict[str, str]:
    source = request.POST if request.method == "POST" else request.GET
    values: dict[str, str] = {}
    for name in source:
        if name.startswith("_") and name in ("_format",):
            continue
        if name not in SEARCH_PARAMS:
            raise FhirError(
                400,
                "not-supported",
                f"Unknown search parameter '{name[:40]}': Patient search supports "
                f"{', '.join(SEARCH_PARAMS)}.",
            )
        values[name] = source.get(name, "")
    return values


def _criteria(values: dict[str, str]):
    name = values.get("name") or " ".join(
        v for v in (values.get("given", ""), values.get("family", "")) if v
    )
    identifier = values.get("identifier", "")
    if "|" in identifier:
        system, identifier = identifier.split("|", 1)
        if system and system not in SYSTEM_TYPES:
            raise FhirError(
                400,
                "value",
                f"Unknown identifier system '{system[:80]}': use one of {', '.join(SYSTEM_TYPES)}.",
            )
    gender = values.get("gender", "")
    if gender and gender not in FROM_FHIR_GENDER:
        raise FhirError(400, "value", "gender must be female, male, other or unknown.")
    gender = {"female": "female", "male": "male"}.get(gender, "")
    try:
        return parse_criteria(
            name=name,
            date_of_birth=values.get("birthdate", ""),
            postcode=values.get("address-postalcode", ""),
            gender=gender,
            identifier=identifier,
        )
    except SearchCriteriaError as error:
        code = "required" if set(error.errors) & {"criteria", "name"} else "value"
        raise FhirError(400, code, " ".join(error.errors.values())) from error


@fhir_endpoint(Scope.MATCH, action=Action.FHIR_PATIENT_SEARCH)
def patient_search(request: HttpRequest, client: ApiClient) -> HttpResponse:
    _method(request, "GET", "POST")
    criteria = _criteria(_search_values(request))
    matches = child_search(actor=client.account, criteria=criteria, ip_address=client_ip(request))
    # The search's own score, 0 to 1 (the practitioners' page shows it as a percentage).
    entries = [
        {"resource": patient_from_match(m), "search": {"mode": "match", "score": m.score / 100}}
        for m in matches
    ]
    return fhir_response(searchset(entries, base=_base(request)))


def _json_body(request: HttpRequest) -> object:
    try:
        return json.loads(request.body or b"null")
    except ValueError as error:
        raise FhirError(400, "invalid", f"The body is not JSON: {error}.") from error


def _posted(request: HttpRequest, model: Any, *, hint: str) -> Any:
    """The request's body as the FHIR resource ``model`` (an R4B model class), or a 400
    OperationOutcome saying what is wrong: not JSON, another resource, or where it is invalid."""
    body = _json_body(request)
    name = model.get_resource_type()
    if not isinstance(body, dict) or body.get("resourceType") != name:
        raise FhirError(400, "invalid", hint)
    try:
        return model.model_validate(body)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise FhirError(400, "invalid", f"Invalid {name} at {where}: {first['msg']}.") from error


def _parameters(request: HttpRequest) -> Any:
    from fhir.resources.R4B.parameters import Parameters

    return _posted(request, Parameters, hint="POST a Parameters resource holding a Patient.")


@fhir_endpoint(Scope.MATCH, action=Action.FHIR_PATIENT_MATCH)
def patient_match_view(request: HttpRequest, client: ApiClient) -> HttpResponse:
    _method(request, "POST")
    parameters = _parameters(request)
    patient, only_certain, count = None, False, 10
    for parameter in parameters.parameter or []:
        if parameter.name == "resource":
            patient = parameter.resource
        elif parameter.name == "onlyCertainMatches":
            only_certain = bool(parameter.valueBoolean)
        elif parameter.name == "count":
            count = parameter.valueInteger or 0
        else:
            raise FhirError(
                400,
                "not-supported",
                f"Unknown $match parameter '{parameter.name[:40]}': use resource, "
                "onlyCertainMatches and count.",
            )
    if patient is None or patient.get_resource_type() != "Patient":
        raise FhirError(400, "required", "$match needs a 'resource' parameter holding a Patient.")
    if not 1 <= count <= MAX_MATCH_COUNT:
        raise FhirError(400, "value", f"count must be from 1 to {MAX_MATCH_COUNT}.")
    name = (patient.name or [None])[0]
    given = " ".join(name.given or []) if name else ""
    family = (name.family or "") if name else ""
    postcode = next((a.postalCode for a in patient.address or [] if a.postalCode), "")
    identifiers: dict[str, str] = {}
    for identifier in patient.identifier or []:
        kind = SYSTEM_TYPES.get(identifier.system or "")
        if kind and identifier.value:
            identifiers[kind.value] = identifier.value.replace(" ", "")
    identifier = next(iter(identifiers.values()), "")
    born = patient.birthDate.isoformat() if patient.birthDate else ""
    gender = {"female": "female", "male": "male"}.get(patient.gender or "", "")
    criteria = _criteria(
        {
            "name": f"{given} {family}".strip(),
            "birthdate": born,
            "address-postalcode": postcode or "",
            "identifier": identifier if not (given or family) or not (born or postcode) else "",
        }
    )
    record = LinkRecord(
        unique_id="query",
        given_names=given,
        family_name=family,
        date_of_birth=patient.birthDate,
        gender=gender or None,
        postcode=(postcode or "").upper() or None,
        identifiers={k: v for k, v in identifiers.items() if k != "index"},
    )
    graded = patient_match(
        actor=client.account, criteria=criteria, record=record, ip_address=client_ip(request)
    )
    if only_certain:
        graded = [g for g in graded if g.grade == "certain"][:1]
    entries = [
        {
            "resource": patient_from_match(g.match),
            "search": {
                "extension": [{"url": MATCH_GRADE, "valueCode": g.grade}],
                "mode": "match",
                "score": round(g.probability, 4),
            },
        }
        for g in graded[:count]
    ]
    return fhir_response(searchset(entries, base=_base(request)))


@fhir_endpoint(Scope.READ, action=Action.FHIR_TEAM_READ)
def team_search(request: HttpRequest, client: ApiClient, resource_type: str) -> HttpResponse:
    """``GET /fhir/{EpisodeOfCare|CareTeam|...}?patient=ID``: the team around one child."""
    _method(request, "GET")
    allowed = {"patient", "subject"} if resource_type == "CareTeam" else {"patient"}
    unknown = sorted(set(request.GET) - allowed)
    if unknown:
        raise FhirError(
            400,
            "not-supported",
            f"Unknown search parameter '{unknown[0][:40]}': {resource_type} is searched by "
            f"{' or '.join(sorted(allowed))} only.",
        )
    reference = request.GET.get("patient") or request.GET.get("subject") or ""
    patient_id = reference.removeprefix("Patient/")
    if not patient_id:
        raise FhirError(
            400, "required", f"Search {resource_type} by patient: ?patient=<Patient id>."
        )
    child = findable_child(actor=client.account, index_number=patient_id)
    if child is None:
        raise FhirError(404, "not-found", NOT_FOUND)
    try:
        team = team_around_child(
            actor=client.account, child=child, purpose=client.purpose, ip_address=client_ip(request)
        )
    except AccessRefused as refused:
        raise FhirError(404, "not-found", NOT_FOUND) from refused
    entries = [
        {"resource": r, "search": {"mode": "match"}} for r in team_resources(team, resource_type)
    ]
    return fhir_response(searchset(entries, base=_base(request)))


def _prefers_async(request: HttpRequest) -> bool:
    """``Prefer: respond-async`` (RFC 7240), as FHIR's asynchronous request pattern asks."""
    prefer = request.headers.get("Prefer", "")
    return any(p.strip().lower() == "respond-async" for p in prefer.split(","))


@fhir_endpoint(Scope.FEED_WRITE, action=Action.FHIR_TRANSACTION)
def transaction(request: HttpRequest, client: ApiClient) -> HttpResponse:
    """``POST /fhir`` with a transaction Bundle of a source system's records: the
    transaction-response now, or ``202 Accepted`` with the status URL to poll (a client's first
    Bundle, whose linkage model is estimated after the response; see ``intake.bundle_import``)."""
    _method(request, "POST")
    bundle = _json_body(request)
    if not isinstance(bundle, dict):
        raise FhirError(400, "invalid", "POST a Bundle of type 'transaction'.")
    answer = bundle_import(client=client, bundle=bundle, respond_async=_prefers_async(request))
    if not isinstance(answer, BundleJob):
        return fhir_response(answer)
    audit_record(
        actor=client.account,
        action=Action.FHIR_TRANSACTION,
        purpose=client.purpose,
        detail={"api_client": client.name, "accepted": str(answer.pk), "entries": answer.entries},
        ip_address=client_ip(request),
    )
    bundle_job_run.enqueue(str(answer.pk))
    status_url = request.build_absolute_uri(reverse("fhir:bundle-job", args=[answer.pk]))
    return fhir_response(
        operation_outcome(
            "informational",
            "Accepted: this Bundle is imported after this response (a client's first Bundle "
            "is scored by a linkage model estimated for its records first). GET the "
            "Content-Location URL for the transaction-response.",
            severity="information",
        ),
        status=202,
        headers={"Content-Location": status_url},
    )


@fhir_endpoint(Scope.FEED_WRITE, action=Action.FHIR_TRANSACTION)
def bundle_job(request: HttpRequest, client: ApiClient, job_id: uuid.UUID) -> HttpResponse:
    """An accepted Bundle's status: ``202`` while it waits or runs, then ``200`` with a
    batch-response Bundle holding the transaction-response (FHIR's asynchronous pattern).
    Only the client that sent it sees it; any other gets the 404 of an unknown job."""
    _method(request, "GET")
    job = BundleJob.objects.filter(pk=job_id, client=client).first()
    if job is None:
        raise FhirError(404, "not-found", "No accepted Bundle with that id for this client.")
    if job.status == BundleJobStatus.FAILED:
        raise FhirError(500, "exception", job.diagnostics or JOB_FAILED)
    if not job.finished:
        return fhir_response(
            operation_outcome(
                "informational",
                f"The Bundle is {job.get_status_display().lower()}; ask again later.",
                severity="information",
            ),
            status=202,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS), "X-Progress": job.status},
        )
    return fhir_response(bundle_job_response(job))


def base(request: HttpRequest) -> HttpResponse:
    """``/fhir``: GET the CapabilityStatement, POST a transaction Bundle."""
    if request.method == "POST":
        return transaction(request)
    return metadata(request)


base = api_client(csrf_exempt(base))


def _extension(extensions, url):
    return next((e for e in extensions or [] if e.url == url), None)


@fhir_endpoint(Scope.INDICATOR_WRITE, action=Action.FHIR_INDICATORS_SET)
def episode_update(request: HttpRequest, client: ApiClient, involvement_id: int) -> HttpResponse:
    """``PUT /fhir/EpisodeOfCare/involvement-{id}``: an assessment system sets or clears the
    indicators of its own organisation's involvement (the extensions; nothing else changes).
    An involvement the client does not own gives the same 404 as one that does not exist."""
    from fhir.resources.R4B.episodeofcare import EpisodeOfCare

    _method(request, "PUT")
    involvement = own_involvement_for(actor=client.account, involvement_id=involvement_id)
    if involvement is None:
        raise FhirError(404, "not-found", "No EpisodeOfCare with that id is this client's.")
    try:
        episode = EpisodeOfCare.model_validate(json.loads(request.body or b"null"))
    except (ValueError, ValidationError) as error:
        raise FhirError(400, "invalid", f"PUT a valid EpisodeOfCare: {error}"[:400]) from error
    assessment = _extension(episode.extension, ASSESSMENT)
    kind = on = None
    if assessment is not None:
        kind = getattr(_extension(assessment.extension, "type"), "valueString", None)
        on = getattr(_extension(assessment.extension, "date"), "valueDate", None)
    flags: dict[str, Any] = {}
    for url, name in (
        (LEAD_PROFESSIONAL, "is_lead_professional"),
        (INFORMATION_TO_SHARE, "has_information_to_share"),
        (TAKING_ACTION, "taking_action"),
    ):
        found = _extension(episode.extension, url)
        flags[name] = bool(found.valueBoolean) if found is not None else False
    assessment_type = ""
    if kind:
        assessment_type = next(
            (v for v, label in AssessmentType.choices if kind in (v, label)), kind
        )
    try:
        involvement = involvement_indicators_set(
            actor=client.account,
            involvement=involvement,
            assessment_type=assessment_type,
            assessment_on=on,
            **flags,
        )
    except DjangoValidationError as error:
        raise FhirError(400, "business-rule", " ".join(error.messages)) from error
    return fhir_response(
        {
            "resourceType": "OperationOutcome",
            "issue": [
                {
                    "severity": "information",
                    "code": "informational",
                    "diagnostics": f"Indicators of EpisodeOfCare involvement-{involvement.pk} set.",
                }
            ],
        }
    )


# --- Consent ------------------------------------------------------------------------------------


def _team_for(request: HttpRequest, client: ApiClient, patient_id: str):
    child = findable_child(actor=client.account, index_number=patient_id)
    if child is None:
        raise FhirError(404, "not-found", NOT_FOUND)
    try:
        return team_around_child(
            actor=client.account, child=child, purpose=client.purpose, ip_address=client_ip(request)
        )
    except AccessRefused as refused:
        raise FhirError(404, "not-found", NOT_FOUND) from refused


CONSENT_NOT_FOUND = "No Consent with that id is known to the index or open to this client."


def _seen_consent(request: HttpRequest, client: ApiClient, consent_ref: str):
    """The team and the entry of one consent this client sees, else the one 404."""
    number = consent_ref.removeprefix(CONSENT_ID_PREFIX)
    child = consent_child(consent_id=int(number)) if number.isdigit() else None
    if child is None:
        raise FhirError(404, "not-found", CONSENT_NOT_FOUND)
    try:
        team = _team_for(request, client, child.index_number)
    except FhirError as error:
        raise FhirError(404, "not-found", CONSENT_NOT_FOUND) from error
    entry = next((e for e in team.consents if e.consent_id == int(number)), None)
    if entry is None:
        raise FhirError(404, "not-found", CONSENT_NOT_FOUND)
    return team, entry


@fhir_endpoint(Scope.READ, action=Action.FHIR_CONSENT_READ)
def _consent_search(request: HttpRequest, client: ApiClient) -> HttpResponse:
    unknown = sorted(set(request.GET) - {"patient"})
    if unknown:
        raise FhirError(
            400,
            "not-supported",
            f"Unknown search parameter '{unknown[0][:40]}': Consent is searched by patient only.",
        )
    patient_id = request.GET.get("patient", "").removeprefix("Patient/")
    if not patient_id:
        raise FhirError(400, "required", "Search Consent by patient: ?patient=<Patient id>.")
    team = _team_for(request, client, patient_id)
    entries = [
        {"resource": consent_resource(team, e), "search": {"mode": "match"}} for e in team.consents
    ]
    return fhir_response(searchset(entries, base=_base(request)))


def _posted_consent(request: HttpRequest) -> Any:
    from fhir.resources.R4B.consent import Consent

    return _posted(request, Consent, hint="Send a Consent resource.")


@fhir_endpoint(Scope.CONSENT_WRITE, action=Action.FHIR_CONSENT_WRITE)
def _consent_create(request: HttpRequest, client: ApiClient) -> HttpResponse:
    """``POST /fhir/Consent``: record a family's consent (a practitioner system whose
    organisation works with the child)."""
    posted = _posted_consent(request)
    reference = (posted.patient.reference if posted.patient else "") or ""
    child = findable_child(actor=client.account, index_number=reference.removeprefix("Patient/"))
    if child is None:
        raise FhirError(404, "not-found", NOT_FOUND)
    try:
        values = consent_values(posted, index_number=child.index_number)
    except ConsentInputError as error:
        raise FhirError(400, "invalid", str(error)) from error
    choices = consent_choices(actor=client.account, child=child)
    carer = service = None
    if values["carer_ref"]:
        n = values["carer_ref"].removeprefix(f"{child.index_number}-carer-")
        if not n.isdigit() or not 1 <= int(n) <= len(choices.carers):
            raise FhirError(400, "value", "performer is not one of this child's RelatedPersons.")
        carer = choices.carers[int(n) - 1]
    if values["service_ref"]:
        number = values["service_ref"].removeprefix("involvement-")
        involvement = (
            own_involvement_for(actor=client.account, involvement_id=int(number))
            if number.isdigit()
            else None
        )
        if involvement is None or involvement.child_id != child.pk:
            raise FhirError(
                400, "value", "provision.actor is not one of your own services for this child."
            )
        service = involvement.service
    try:
        consent = consent_record(
            actor=client.account,
            child=child,
            given_by=values["given_by"],
            carer=carer,
            scope=values["scope"],
            service=service,
            given_on=values["given_on"],
        )
    except PermissionDenied as refused:
        raise FhirError(403, "forbidden", str(refused)) from refused
    except DjangoValidationError as error:
        raise FhirError(400, "business-rule", " ".join(error.messages)) from error
    team, entry = _seen_consent(request, client, consent_id(consent.pk))
    return fhir_response(
        consent_resource(team, entry),
        status=201,
        headers={"Location": f"{_base(request)}/Consent/{consent_id(consent.pk)}"},
    )


@fhir_endpoint(Scope.READ, action=Action.FHIR_CONSENT_READ)
def _consent_read(request: HttpRequest, client: ApiClient, consent_ref: str) -> HttpResponse:
    team, entry = _seen_consent(request, client, consent_ref)
    return fhir_response(consent_resource(team, entry))


@fhir_endpoint(Scope.CONSENT_WRITE, action=Action.FHIR_CONSENT_WRITE)
def _consent_update(request: HttpRequest, client: ApiClient, consent_ref: str) -> HttpResponse:
    """``PUT /fhir/Consent/{id}`` with ``status`` ``inactive``: withdraw it, from
    ``provision.period.end`` (default today). Nothing else about a consent changes."""
    from django.utils import timezone

    team, entry = _seen_consent(request, client, consent_ref)
    posted = _posted_consent(request)
    if posted.id and posted.id != consent_ref:
        raise FhirError(400, "invalid", f"The Consent's id must be {consent_ref}.")
    if posted.status != "inactive":
        raise FhirError(
            400,
            "business-rule",
            "Only a withdrawal can be PUT: send the Consent with status 'inactive' (and "
            "provision.period.end, the day it was withdrawn); record a new consent with POST.",
        )
    end = posted.provision.period.end if posted.provision and posted.provision.period else None
    withdrawn_on = (
        end.date() if end is not None and hasattr(end, "date") else end
    ) or timezone.localdate()
    if not entry.stands:
        raise FhirError(400, "business-rule", "This consent has already been withdrawn.")
    consent = consent_to_withdraw(
        actor=client.account, child=team.child, consent_id=entry.consent_id
    )
    if consent is None:
        raise FhirError(403, "forbidden", "This client may not withdraw this consent.")
    try:
        consent_withdraw(actor=client.account, consent=consent, withdrawn_on=withdrawn_on)
    except PermissionDenied as refused:
        raise FhirError(403, "forbidden", str(refused)) from refused
    except DjangoValidationError as error:
        raise FhirError(400, "business-rule", " ".join(error.messages)) from error
    team, entry = _seen_consent(request, client, consent_ref)
    return fhir_response(consent_resource(team, entry))


def consent_type(request: HttpRequest) -> HttpResponse:
    """``/fhir/Consent``: GET searches (read), POST records (consent.write)."""
    if request.method == "POST":
        return _consent_create(request)
    if request.method != "GET":
        return outcome_response(
            FhirError(405, "not-supported", f"{request.method} is not supported: GET or POST.")
        )
    return _consent_search(request)


def consent_instance(request: HttpRequest, consent_ref: str) -> HttpResponse:
    """``/fhir/Consent/{id}``: GET reads (read), PUT withdraws (consent.write)."""
    if request.method == "PUT":
        return _consent_update(request, consent_ref=consent_ref)
    if request.method != "GET":
        return outcome_response(
            FhirError(405, "not-supported", f"{request.method} is not supported: GET or PUT.")
        )
    return _consent_read(request, consent_ref=consent_ref)


consent_type = api_client(csrf_exempt(consent_type))
consent_instance = api_client(csrf_exempt(consent_instance))


# --- AuditEvent ---------------------------------------------------------------------------------

AUDIT_PARAMS = ("patient", "date", "_count")
MAX_AUDIT_COUNT = 200


def _audit_period(values: list[str]) -> Period:
    """``date=geYYYY-MM-DD`` and/or ``date=ltYYYY-MM-DD`` (UK days)."""
    import datetime as dt

    from django.utils import timezone

    since = until = None
    for value in values:
        prefix, day = value[:2], value[2:]
        try:
            start = dt.datetime.combine(dt.date.fromisoformat(day), dt.time())
        except ValueError as error:
            raise FhirError(
                400, "value", "date must be geYYYY-MM-DD or ltYYYY-MM-DD (a day)."
            ) from error
        start = timezone.make_aware(start)
        if prefix == "ge":
            since = start
        elif prefix == "lt":
            until = start
        else:
            raise FhirError(400, "value", "date takes the prefixes ge and lt only.")
    return Period(since=since, until=until)


@fhir_endpoint(Scope.AUDIT_READ, action=Action.FHIR_AUDIT_READ)
def audit_event_search(request: HttpRequest, client: ApiClient) -> HttpResponse:
    """``GET /fhir/AuditEvent?patient=ID[&date=geYYYY-MM-DD][&date=ltYYYY-MM-DD][&_count=N]``:
    who accessed the child, newest first, for an auditor's tool of the child's own LA."""
    _method(request, "GET")
    unknown = sorted(set(request.GET) - set(AUDIT_PARAMS))
    if unknown:
        raise FhirError(
            400,
            "not-supported",
            f"Unknown search parameter '{unknown[0][:40]}': AuditEvent is searched by "
            f"{', '.join(AUDIT_PARAMS)}.",
        )
    patient_id = request.GET.get("patient", "").removeprefix("Patient/")
    if not patient_id:
        raise FhirError(400, "required", "Search AuditEvent by patient: ?patient=<Patient id>.")
    count = request.GET.get("_count", str(MAX_AUDIT_COUNT))
    if not count.isdigit() or not 1 <= int(count) <= MAX_AUDIT_COUNT:
        raise FhirError(400, "value", f"_count must be from 1 to {MAX_AUDIT_COUNT}.")
    try:
        history = child_access_history(
            auditor=client.account,
            index_number=patient_id,
            period=_audit_period(request.GET.getlist("date")),
            limit=int(count),
        )
    except NotInYourLA as elsewhere:
        raise FhirError(404, "not-found", NOT_FOUND) from elsewhere
    except PermissionDenied as refused:
        raise AccessRefused((str(refused),)) from refused
    entries = [
        {
            "resource": audit_event_resource(event, index_number=patient_id),
            "search": {"mode": "match"},
        }
        for event in history.events
    ]
    return fhir_response(searchset(entries, base=_base(request)))

from django.urls import path, re_path

from childindex.fhir import views

app_name = "fhir"

urlpatterns = [
    path("", views.base, name="base"),
    path("metadata", views.metadata, name="metadata"),
    path("openapi.json", views.openapi, name="openapi"),
    path("auth/token", views.token, name="token"),
    path("_bundle/<uuid:job_id>", views.bundle_job, name="bundle-job"),
    path("Patient", views.patient_search, name="patient-search"),
    path("Patient/_search", views.patient_search, name="patient-search-post"),
    path("Patient/$match", views.patient_match_view, name="patient-match"),
    re_path(
        r"^Patient/(?P<patient_id>[A-Za-z0-9\-\.]{1,64})$", views.patient_read, name="patient-read"
    ),
    re_path(
        r"^(?P<resource_type>EpisodeOfCare|CareTeam|PractitionerRole|HealthcareService|RelatedPerson)$",
        views.team_search,
        name="team-search",
    ),
    path("EpisodeOfCare/involvement-<int:involvement_id>", views.episode_update, name="episode"),
    path("Consent", views.consent_type, name="consent"),
    path("AuditEvent", views.audit_event_search, name="audit-event-search"),
    re_path(
        r"^Consent/(?P<consent_ref>[A-Za-z0-9\-]{1,64})$",
        views.consent_instance,
        name="consent-instance",
    ),
    re_path(r"^(?P<rest>.*)$", views.not_found, name="not-found"),
]

from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "childindex.fhir"
    label = "fhir"
    verbose_name = "FHIR API"

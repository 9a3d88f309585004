from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "childindex.consent"
    label = "consent"

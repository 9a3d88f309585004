from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "childindex.web"
    label = "web"

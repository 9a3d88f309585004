from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "childindex.records"
    label = "records"

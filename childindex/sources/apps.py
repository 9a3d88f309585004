from django.apps import AppConfig


class SourcesConfig(AppConfig):
    name = "childindex.sources"
    label = "sources"
    verbose_name = "Source feeds and linkage"

from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "childindex.directory"
    label = "directory"

from django.apps import AppConfig


class SyntheticConfig(AppConfig):
    name = "childindex.synthetic"
    label = "synthetic"
    verbose_name = "Synthetic data"

from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = "Analytics across matters"

    def ready(self):
        from . import cache  # noqa: F401  (connects the receiver that invalidates the figures)

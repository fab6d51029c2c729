from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = "Analytics across matters"

    def ready(self):
        from cases.signals import case_record_changed

        from . import cache  # noqa: F401  (connects the receiver that invalidates the figures)
        from .services import case_record_changed_receive

        # The record announces each change of a case inside its transaction; what the figures
        # read of the case is rebuilt with it.
        case_record_changed.connect(case_record_changed_receive, dispatch_uid="analytics.case_record_changed_receive")

from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = "Alerts and reminders"

    def ready(self):
        # The case record announces each new event after its commit; alerts queue the task that
        # writes their outbox from that. The dispatch_uid keeps a second ready() (tests, reloads)
        # from connecting twice.
        from cases.signals import case_created, event_recorded

        from .services import case_created_receive, event_recorded_receive

        event_recorded.connect(event_recorded_receive, dispatch_uid="alerts.event_recorded_receive")
        # New cases, for the saved searches they match.
        case_created.connect(case_created_receive, dispatch_uid="alerts.case_created_receive")

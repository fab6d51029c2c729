from django.apps import AppConfig


class ClocksConfig(AppConfig):
    name = "clocks"
    verbose_name = "Statutory clocks"

    def ready(self):
        # The record announces each change of a case inside its transaction; the clocks follow from it.
        from cases.signals import case_record_changed

        from .catalogue import catalogue
        from .services import case_record_changed_receive

        # A rule file that cannot be read stops the start, with the file and rule named, rather
        # than the first case page that needs it.
        catalogue()
        case_record_changed.connect(case_record_changed_receive, dispatch_uid="clocks.case_record_changed_receive")

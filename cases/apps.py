from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Extradition cases"

    def ready(self):
        from . import names  # noqa: F401  its receivers keep the name index in step with every save
        from . import picture  # noqa: F401  its receiver forgets a case's cached picture when its record changes
        from . import search  # noqa: F401  its receiver has the worker tidy the search index after a change
        from .roles import roles_sync

        # Sent once per app: by the last one, every permission the roles need exists.
        post_migrate.connect(roles_sync, dispatch_uid="cases.roles_sync")

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and security"

    def ready(self):
        from . import backends, middleware, security, two_factor  # noqa: F401  (connect their signal receivers)

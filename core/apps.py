from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared foundations every app builds on: errors, audit, notices, working days, the API's
    conventions and the operations commands. It imports no other app of the product."""

    name = "core"
    verbose_name = "Core"

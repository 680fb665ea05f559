from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    """Dashboards, tables, exports and summaries: reads across every app, writes nothing."""

    name = "reporting"
    verbose_name = _("Reporting")

    def ready(self):
        # Register the periodic jobs with Celery in every process, not only in workers.
        from reporting import tasks  # noqa: F401

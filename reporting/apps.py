from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    """Dashboards, tables, exports and summaries: reads across every app; writes only its
    own read model, the dashboards' snapshots."""

    name = "reporting"
    verbose_name = _("Reporting")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from core import changes

        # Registers the periodic jobs with Celery in every process, not only in workers.
        from reporting import snapshots, tasks  # noqa: F401

        changes.committed.connect(snapshots.on_committed, dispatch_uid="reporting-snapshots")
        user_logged_in.connect(snapshots.on_signed_in, dispatch_uid="reporting-snapshots")

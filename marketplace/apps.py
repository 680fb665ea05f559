from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketplaceConfig(AppConfig):
    name = "marketplace"
    verbose_name = _("Marketplace")

    def ready(self):
        # Register the periodic jobs with Celery in every process, not only in workers.
        from marketplace import notices, tasks  # noqa: F401

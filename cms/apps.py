from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("Training centre")

    def ready(self):
        from cms import notices, signals  # noqa: F401  (notices: registers on import)

        signals.connect()

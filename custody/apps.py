from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustodyConfig(AppConfig):
    name = "custody"
    verbose_name = _("Custody workspace")

    def ready(self):
        # The wording of this app's notices.
        from custody import notices  # noqa: F401

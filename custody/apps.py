from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustodyConfig(AppConfig):
    name = "custody"
    verbose_name = _("Custody workspace")

    def ready(self):
        # The wording of this app's notices, and the money that follows an engagement's moves.
        from custody import notices, receivers, selectors  # noqa: F401
        from marketplace import deliveries, track_record

        track_record.register(selectors.track_record)
        deliveries.register(selectors.delivered_under)

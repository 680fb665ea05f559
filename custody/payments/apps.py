from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "custody.payments"
    label = "payments"
    verbose_name = _("Payments")

    def ready(self):
        # The wording of this app's notices.
        from custody.payments import notices  # noqa: F401

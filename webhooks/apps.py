from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = _("Outbound webhooks")

    def ready(self):
        # The audit actions this app writes, and its listeners on the audit trail and notices.
        from core import audit, notices
        from webhooks import events
        from webhooks import notices as webhook_notices  # noqa: F401

        audit.listen(events.from_audit_event)
        notices.listen(events.from_notice)

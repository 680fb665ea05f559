"""The audit actions of the outbound webhooks, named for the timelines."""

from django.utils.translation import gettext_lazy

from core.audit import register_actions

register_actions(
    {
        "webhook.endpoint_created": gettext_lazy("Webhook endpoint registered"),
        "webhook.endpoint_updated": gettext_lazy("Webhook endpoint changed"),
        "webhook.endpoint_deleted": gettext_lazy("Webhook endpoint removed"),
        "webhook.secret_rotated": gettext_lazy("Webhook signing secret replaced"),
        "webhook.delivery_replayed": gettext_lazy("Webhook delivery sent again"),
    }
)

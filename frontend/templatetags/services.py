"""Delivery progress and service record states for the custody pages."""

from django import template
from django.utils.html import format_html

from custody import selectors as custody_selectors
from custody.models import ServiceRecord, Settlement

register = template.Library()

_COLOURS = {
    ServiceRecord.Status.PENDING: "warning",
    ServiceRecord.Status.CONFIRMED: "success",
    ServiceRecord.Status.DISPUTED: "danger",
    Settlement.Status.RATED: "info",
    Settlement.Status.APPROVED: "primary",
}


@register.simple_tag
def record_badge(record):
    return format_html(
        '<span class="badge rounded-pill text-bg-{}" data-testid="record-status">{}</span>',
        _COLOURS.get(record.status, "secondary"),
        record.get_status_display(),
    )


@register.simple_tag
def settlement_badge(settlement):
    colour = "success" if settlement.status == Settlement.Status.CONFIRMED else None
    return format_html(
        '<span class="badge rounded-pill text-bg-{}" data-testid="settlement-status">{}</span>',
        colour or _COLOURS.get(settlement.status, "secondary"),
        settlement.get_status_display(),
    )


@register.inclusion_tag("frontend/services/_engagement_section.html", takes_context=True)
def engagement_services(context, engagement):
    """The delivery section of the engagement page: progress per quota and the way on."""
    return {
        "engagement": engagement,
        "progress_rows": custody_selectors.progress_rows(
            custody_selectors.engagement_items_with_progress(engagement)
        ),
        "user": context.get("user"),
    }

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import audit
from frontend.labels import STATE_COLOURS, STATE_LABELS
from marketplace.selectors import LICENCE_WARNING_DAYS

register = template.Library()


@register.filter
def quantity(count, service_item):
    """`count` in `service_item`'s unit, with the language's plural: {{ n|quantity:item }}."""
    return service_item.quantity_text(count)


@register.simple_tag
def licence_badge(agency):
    """A pill when `agency`'s licence has ended or ends within the warning window; else nothing.

    Shown wherever an agency is named to someone choosing or judging it.
    """
    today = timezone.localdate()
    if agency.licence_valid_until < today:
        return format_html(
            '<span class="badge rounded-pill text-bg-danger" data-testid="licence-expired">{}</span>',
            _("Licence expired on %(date)s")
            % {"date": date_format(agency.licence_valid_until, "DATE_FORMAT")},
        )
    days = (agency.licence_valid_until - today).days
    if days <= LICENCE_WARNING_DAYS:
        return format_html(
            '<span class="badge rounded-pill text-bg-warning" data-testid="licence-ending">{}</span>',
            ngettext("Licence ends in %(days)d day", "Licence ends in %(days)d days", days)
            % {"days": days},
        )
    return ""


@register.filter
def audit_action_label(action):
    return audit.action_label(action)


@register.filter
def event_from_label(event):
    """The label of the state an audit event's subject left."""
    return audit.state_label(event.subject_type.model_class(), event.from_state)


@register.filter
def event_to_label(event):
    """The label of the state an audit event's subject entered."""
    return audit.state_label(event.subject_type.model_class(), event.to_state)


@register.simple_tag
def state_badge(model_name, code, dom_id=None, oob=False):
    """A coloured pill for a state.

    With `dom_id` (a pk) the pill has an id, so that an htmx answer can replace
    it after a decision with a pill rendered with `oob=True`.
    """
    label = STATE_LABELS.get(model_name, {}).get(code, code)
    colour = STATE_COLOURS.get(code, "light")
    if dom_id is not None:
        return format_html(
            '<span id="{}-state-{}" class="badge rounded-pill text-bg-{}"{}>{}</span>',
            model_name,
            dom_id,
            colour,
            mark_safe(' hx-swap-oob="true"') if oob else "",  # noqa: S308 - a constant
            label,
        )
    return format_html('<span class="badge rounded-pill text-bg-{}">{}</span>', colour, label)


@register.simple_tag
def request_badge(custody_request, engagement=None):
    """A custody request's state as the firm lives it: an engaged request is as far as its
    `engagement` (waiting for the co-payment, under custody, completed, cancelled), as the
    engagement's pages say, never "under custody" before the co-payment or after the end."""
    if engagement is None or custody_request.status != "engaged":
        return state_badge("custodyrequest", custody_request.status)
    if engagement.status == "active":
        return format_html(
            '<span class="badge rounded-pill text-bg-{}">{}</span>',
            STATE_COLOURS["active"],
            _("Under custody"),
        )
    return state_badge("engagement", engagement.status)


@register.simple_tag(takes_context=True)
def page_url(context, number, param="page"):
    """The current URL with its filters kept and only the page number (`param`) changed."""
    query = context["request"].GET.copy()
    query[param or "page"] = number
    return "?" + query.urlencode()


@register.inclusion_tag("frontend/includes/countdown.html")
def countdown(deadline, provisional=False):
    """Time left until `deadline`, computed here; portal.js keeps it ticking in the browser."""
    seconds = max(int((deadline - timezone.now()).total_seconds()), 0)
    return {
        "deadline": deadline,
        "provisional": provisional,
        "expired": seconds == 0,
        # Under a day left: shown in red so that nobody misses it.
        "urgent": seconds < 86400,
        "days": seconds // 86400,
        "hours": seconds % 86400 // 3600,
        "minutes": seconds % 3600 // 60,
    }


@register.simple_tag
def bar(value, maximum, label="", tone="brand"):
    """A horizontal bar of value/maximum as an SVG, so that its width needs no inline style."""
    try:
        share = 100.0 * float(value) / float(maximum) if float(maximum) else 0.0
    except (TypeError, ValueError):
        share = 0.0
    share = min(max(share, 0.0), 100.0)
    # Named, the bar is an image of its label; unnamed, it repeats a figure written beside
    # it, and assistive technology skips it.
    if label:
        role = format_html('role="img" aria-label="{}"', label)
    else:
        role = mark_safe('aria-hidden="true"')  # noqa: S308 (a constant)
    return format_html(
        '<svg class="portal-bar" viewBox="0 0 100 10" preserveAspectRatio="none" {}'
        ' focusable="false">'
        '<rect class="portal-bar-track" width="100" height="10"></rect>'
        '<rect class="portal-bar-{}" width="{}" height="10"></rect></svg>',
        role,
        tone,
        f"{share:.1f}",
    )

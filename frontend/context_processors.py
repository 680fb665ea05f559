import functools

from django.conf import settings
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.selectors import unread_notification_count

# Per role, in the order the navigation shows them: (label, URL name) for a link, or
# (label, [links]) for a menu, which keeps the bar on one line for the busiest roles.
_NAVIGATION = {
    "firm_member": [
        (_("My firm"), "firm-home"),
        (_("Custody"), "request-list"),
        (_("Portfolio"), "portfolio-mine"),
        (_("Deadlines"), "deadline-board"),
        (_("Agencies"), "agency-list"),
    ],
    "agency_staff": [
        (_("My agency"), "agency-home"),
        (_("Scorecard"), "dashboard-agency"),
        (_("Offers"), "offer-inbox"),
        (_("Clients"), "engagement-list"),
        (_("Deadlines"), "deadline-board"),
        (_("Payouts"), "agency-payouts"),
        (_("Consultations"), "chat:inbox"),
    ],
    "incubator_manager": [
        (_("My incubator"), "incubator-home"),
        (_("Dashboard"), "dashboard-incubator"),
        (
            _("Custody"),
            [
                (_("Custody requests"), "request-list"),
                (_("Engagements"), "engagement-list"),
                (_("Deadlines"), "deadline-board"),
            ],
        ),
        (_("Firms"), "firm-list"),
        (_("Agencies"), "agency-list"),
        (_("Consultations"), "chat:inbox"),
    ],
    "programme_officer": [
        (_("Programme office"), "office-home"),
        (_("Dashboard"), "dashboard-programme"),
        (
            _("Custody"),
            [
                (_("Custody requests"), "request-list"),
                (_("Engagements"), "engagement-list"),
                (_("Deadlines"), "deadline-board"),
                (_("Cohort allocation"), "allocation"),
                (_("Changes of agency"), "agency-changes"),
                (_("Payments"), "payments-office"),
            ],
        ),
        (
            _("Participants"),
            [
                (_("Incubators"), "incubator-list"),
                (_("Firms"), "firm-list"),
                (_("Agencies"), "agency-list"),
            ],
        ),
        (
            _("Assistant"),
            [
                (_("Consultations"), "chat:inbox"),
                (_("Assistant analytics"), "chat:analytics"),
                (_("Questions to learn from"), "chat:learning"),
            ],
        ),
    ],
    "cms_editor": [
        (_("Questions to learn from"), "chat:learning"),
    ],
}

# Pages below a list light up the list's link.
_SECTION_OF = {
    "request-new": "request-list",
    "request-detail": "request-list",
    "offer-detail": "offer-inbox",
    "engagement-detail": "engagement-list",
    "allocation-run": "allocation",
    "firm-detail": "firm-list",
    "deadline-detail": "deadline-board",
    "portfolio": "portfolio-mine",
    "portfolio-asset": "portfolio-mine",
    "portfolio-asset-new": "portfolio-mine",
    "portfolio-asset-edit": "portfolio-mine",
    "portfolio-import": "portfolio-mine",
    "agency-detail": "agency-list",
}


def _link(label, name, current):
    """A navigation link; names without a namespace are the portal's own pages."""
    url = reverse(name if ":" in name else f"frontend:{name}")
    return {"label": label, "url": url, "active": name == current}


def _navigation(request):
    user = getattr(request, "user", None)
    items = [(_("Home"), "home")]
    if user is not None and user.is_authenticated:
        for role, links in _NAVIGATION.items():
            if getattr(user, f"is_{role}"):
                items = links
                break
    match = getattr(request, "resolver_match", None)
    current = None
    if match and match.namespace == "frontend":
        current = _SECTION_OF.get(match.url_name, match.url_name)
    elif match and match.namespace == "chat":
        current = (
            "chat:inbox"
            if match.url_name in {"inbox", "conversation"}
            else f"chat:{match.url_name}"
        )
    navigation = []
    for label, target in items:
        if isinstance(target, str):
            navigation.append(_link(label, target, current))
            continue
        children = [_link(child, name, current) for child, name in target]
        navigation.append(
            {
                "label": label,
                "children": children,
                "active": any(child["active"] for child in children),
            }
        )
    return navigation


def _role_label(user):
    if user is None or not user.is_authenticated:
        return ""
    if user.role:
        return user.get_role_display()
    return _("Administrator") if user.is_superuser else ""


def _unread_counter(user):
    """The bell's count: one COUNT query, run only when a page shows the navigation bar."""

    @functools.cache
    def count():
        return unread_notification_count(user)

    return count


def portal(request):
    language = get_language() or settings.LANGUAGE_CODE
    # One click switches between the two languages; the button names the other one.
    other = "en" if not language.startswith("en") else "zh-hans"
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    return {
        "portal_unread_notifications": _unread_counter(user) if signed_in else 0,
        "programme_name": settings.PROGRAMME_NAME,
        "portal_navigation": _navigation(request),
        "portal_role_label": _role_label(user),
        "switch_language_code": other,
        "switch_language_name": dict(settings.LANGUAGES)[other],
    }

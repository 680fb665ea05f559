from django.conf import settings
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# (label, URL name) per role, in the order the navigation shows them.
_NAVIGATION = {
    "firm_member": [
        (_("My firm"), "firm-home"),
        (_("Agencies"), "agency-list"),
    ],
    "agency_staff": [
        (_("My agency"), "agency-home"),
    ],
    "incubator_manager": [
        (_("My incubator"), "incubator-home"),
        (_("Firms"), "firm-list"),
        (_("Agencies"), "agency-list"),
    ],
    "programme_officer": [
        (_("Programme office"), "office-home"),
        (_("Incubators"), "incubator-list"),
        (_("Firms"), "firm-list"),
        (_("Agencies"), "agency-list"),
    ],
}


def _navigation(request):
    user = getattr(request, "user", None)
    items = [(_("Home"), "home")]
    if user is not None and user.is_authenticated:
        for role, links in _NAVIGATION.items():
            if getattr(user, f"is_{role}"):
                items = links
                break
    match = getattr(request, "resolver_match", None)
    current = match.url_name if match and match.namespace == "frontend" else None
    return [
        {"label": label, "url": reverse(f"frontend:{name}"), "active": name == current}
        for label, name in items
    ]


def _role_label(user):
    if user is None or not user.is_authenticated:
        return ""
    if user.role:
        return user.get_role_display()
    return _("Administrator") if user.is_superuser else ""


def portal(request):
    language = get_language() or settings.LANGUAGE_CODE
    # One click switches between the two languages; the button names the other one.
    other = "en" if not language.startswith("en") else "zh-hans"
    user = getattr(request, "user", None)
    return {
        "programme_name": settings.PROGRAMME_NAME,
        "portal_navigation": _navigation(request),
        "portal_role_label": _role_label(user),
        "switch_language_code": other,
        "switch_language_name": dict(settings.LANGUAGES)[other],
    }

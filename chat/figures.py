"""The programme's live figures in the assistant's answers, and a signed-in firm's own facts.

FAQ answers may hold placeholders such as `{copay_amount}`; they are filled from the
programme year taking applications now (else the latest one) when the answer is given, so
an edited co-payment rule or package shows at once without touching the FAQ. A firm
member also gets its own facts after the general answer: its co-payment due and where to
pay it, its agency, its next deadlines. Everything is read through the marketplace and
custody selectors, scoped to the asker; marketplace and custody never import chat.
"""

import re
from decimal import Decimal

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from core.formatting import join_words, money
from custody import selectors as custody_selectors
from marketplace import selectors as marketplace_selectors
from marketplace.models import Engagement, ProgrammeYear

PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
PLACEHOLDERS = (
    "programme_year",
    "government_share",
    "copay_share",
    "copay_cap",
    "package_price",
    "copay_amount",
    "government_amount",
    "applications_open",
    "applications_close",
    "reminder_days",
    "copay_due_days",
    "office_contact",
)
# Categories of FAQ entries after which a firm sees its own facts, and which facts.
MONEY = {"payments", "programme", "services", "fees"}
AGENCY = {"agencies", "services", "programme"}
DEADLINES = {"deadlines", "patents", "trademarks", "fees"}
NEXT_DEADLINES = 3


def _percent(fraction):
    return f"{(Decimal(fraction) * 100).normalize():f}%"


def _date(day):
    return formats.date_format(day, "DATE_FORMAT") if day else ""


def current_programme_year(today=None):
    """The year taking applications today, else the latest one; None before any exists."""
    return marketplace_selectors.programme_year_open(today) or (
        ProgrammeYear.objects.prefetch_related("package_items__service_item")
        .order_by("-year")
        .first()
    )


def programme_facts(today=None):
    """{placeholder: text} for the current programme year, in the active language."""
    facts = {"office_contact": settings.CHAT_OFFICE_CONTACT}
    year = current_programme_year(today)
    if year is None:
        return facts
    price = year.package_price()
    government, copay = year.split_price(price)
    facts.update(
        {
            "programme_year": str(year.year),
            "government_share": _percent(year.government_share),
            "copay_share": _percent(1 - year.government_share),
            "copay_cap": money(year.copay_cap) if year.copay_cap is not None else _("no cap"),
            "package_price": money(price),
            "copay_amount": money(copay),
            "government_amount": money(government),
            "applications_open": _date(year.opens_on),
            "applications_close": _date(year.closes_on),
            "reminder_days": join_words(year.reminder_days),
            "copay_due_days": str(year.copay_due_days) if year.copay_due_days else "-",
        }
    )
    return facts


def fill(text, facts):
    """Placeholders replaced by their facts; one without a fact now reads as a dash, and a
    brace that names no placeholder is left alone.

    `facts` may be a callable that returns them: it is called only when the text holds a
    placeholder, so an answer without one reads nothing from the database.
    """
    text = text or ""
    if not any(name in PLACEHOLDERS for name in PLACEHOLDER.findall(text)):
        return text
    if callable(facts):
        facts = facts()

    def value(found):
        name = found.group(1)
        if name not in PLACEHOLDERS:
            return found.group(0)
        return facts.get(name) or "-"

    return PLACEHOLDER.sub(value, text)


def _firm_engagement(user):
    return (
        marketplace_selectors.engagements_visible_to(user)
        .filter(
            firm_id=user.firm_id,
            status__in=[Engagement.Status.AWAITING_PAYMENT, Engagement.Status.ACTIVE],
        )
        .select_related("agency")
        .order_by("-starts_on", "-pk")
        .first()
    )


def firm_facts(user, category, today=None):
    """Lines about the signed-in firm member's own custody, for an answer in `category`;
    empty for anyone else."""
    if user is None or not user.is_authenticated or not getattr(user, "is_firm_member", False):
        return []
    today = today or timezone.localdate()
    lines = []
    engagement = _firm_engagement(user)
    if engagement is not None and category in MONEY:
        lines.append(
            _("Your co-payment this year: %(amount)s of a package price of %(price)s.")
            % {"amount": money(engagement.copay_amount), "price": money(engagement.package_price)}
        )
        if engagement.status == Engagement.Status.AWAITING_PAYMENT:
            lines.append(
                _("It is still to be paid: pay it online at %(url)s.")
                % {"url": reverse("frontend:engagement-payments", args=[engagement.pk])}
            )
    if engagement is not None and category in AGENCY:
        lines.append(_("Your custody agency: %(agency)s.") % {"agency": engagement.agency.name})
    if category in DEADLINES:
        upcoming = (
            custody_selectors.deadlines_visible_to(user)
            .filter(firm_id=user.firm_id, done_at__isnull=True, due_on__gte=today)
            .select_related("asset")
            .order_by("due_on", "pk")[:NEXT_DEADLINES]
        )
        for deadline in upcoming:
            lines.append(
                _("Next deadline: %(what)s, %(asset)s, due %(day)s.")
                % {
                    "what": deadline.get_kind_display(),
                    "asset": deadline.asset,
                    "day": _date(deadline.due_on),
                }
            )
    if lines:
        lines.insert(0, _("For your firm:"))
    return lines

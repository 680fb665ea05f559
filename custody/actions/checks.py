"""Who may work on an engagement, and the rows every custody action locks first."""

from django.utils.translation import gettext as _

from core.errors import InvalidTransition, NotAllowed
from core.notices import named
from custody.models import Settlement
from marketplace.models import Engagement, User


def people(**filters):
    return list(User.objects.filter(is_active=True, **filters))


def lock_engagement(engagement_id):
    return (
        Engagement.objects.select_for_update(of=("self",))
        .select_related("firm", "agency", "programme_year")
        .get(pk=engagement_id)
    )


def check_agency(by, engagement):
    if not (by is not None and by.is_agency_staff and by.agency_id == engagement.agency_id):
        raise NotAllowed(
            _("Only staff of the engagement's agency can log services."), code="not_agency"
        )


def check_firm(by, engagement):
    if not (by is not None and by.is_firm_member and by.firm_id == engagement.firm_id):
        raise NotAllowed(_("Only a member of the firm can do this."), code="not_firm")


def check_open(engagement):
    """Records change only while the engagement runs and before the firm rated it."""
    if engagement.status != Engagement.Status.ACTIVE:
        raise InvalidTransition(
            _("This engagement is %(state)s; its service records can no longer change.")
            % {"state": engagement.get_status_display()},
            code="engagement_not_active",
        )
    if Settlement.objects.filter(engagement_id=engagement.pk).exists():
        raise InvalidTransition(
            _("The firm has rated this engagement; its service records are closed."),
            code="settling",
        )


def notice_params(engagement, record=None, **extra):
    params = {
        "firm": engagement.firm.name,
        **named("agency", engagement.agency),
        "engagement_id": engagement.pk,
    }
    if record is not None:
        params |= {
            "record_id": record.pk,
            "item": record.item.service_item.name,
            "item_en": record.item.service_item.name_en,
            "quantity": record.quantity,
        }
    return params | extra

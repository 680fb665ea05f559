"""The official fee table kept by the programme office: a rate or a reduction entered or edited,
checked whole and audited. The admin saves through these."""

from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import NotAllowed


def _check_officer(by):
    if not by.is_programme_officer:
        raise NotAllowed(_("Only a programme officer can change the official fees."))


@transaction.atomic
def official_fee_save(*, instance, by, changed=()):
    """Save a new or edited `OfficialFee` or `FeeReduction` (ValidationError names the field)."""
    _check_officer(by)
    creating = instance.pk is None
    if not creating:
        # Lock the row so two officers' edits of one rate follow each other.
        type(instance).objects.select_for_update().get(pk=instance.pk)
    instance.full_clean()
    instance.save()
    name = instance._meta.model_name
    audit_record(
        actor=by,
        action=f"{name}.created" if creating else f"{name}.updated",
        subject=instance,
        data={"fields": sorted(changed)},
    )
    return instance

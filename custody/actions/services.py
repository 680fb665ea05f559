"""Service records: the one module that changes a service record's status.

    (logged) ──► pending ──► confirmed
                    │  ▲
                    ▼  │ (resubmitted)
                 disputed

The table is `ServiceRecord.TRANSITIONS`. The agency logs what it delivered against the
package quotas with evidence; the firm confirms or disputes; training attendance counts by
itself.
"""

import math

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core import states
from core.actions.tombstones import tombstones_record
from core.audit import audit_record
from core.errors import ActionError, InvalidTransition
from core.notices import notify
from custody import evidence
from custody.actions.checks import (
    check_agency,
    check_firm,
    check_open,
    lock_engagement,
    notice_params,
    people,
)
from custody.models import ServiceRecord, Settlement
from marketplace.choices import CustodyArea
from marketplace.models import Engagement, EngagementItem, ServiceItem

# Records that use up quota; a disputed record gives its quantity back.
COUNTED_STATUSES = (ServiceRecord.Status.PENDING, ServiceRecord.Status.CONFIRMED)


def _quota_used(item, exclude=None):
    records = ServiceRecord.objects.filter(item=item, status__in=COUNTED_STATUSES)
    if exclude is not None:
        records = records.exclude(pk=exclude.pk)
    return records.aggregate(total=Sum("quantity"))["total"] or 0


def _check_details(*, engagement, item, quantity, delivered_on, description, today, exclude=None):
    """Refuse a record that does not fit the engagement; returns the cleaned description."""
    if item.engagement_id != engagement.pk:
        raise ActionError(
            _("This service is not part of the engagement."), code="item_unknown", field="item"
        )
    if quantity is None or quantity < 1:
        raise ActionError(
            _("The quantity must be at least 1."), code="quantity_low", field="quantity"
        )
    if delivered_on > today:
        raise ActionError(
            _("The delivery date cannot be in the future."),
            code="date_future",
            field="delivered_on",
        )
    if not engagement.starts_on <= delivered_on <= engagement.ends_on:
        raise ActionError(
            _("The delivery date must be within the engagement, %(start)s to %(end)s.")
            % {"start": engagement.starts_on.isoformat(), "end": engagement.ends_on.isoformat()},
            code="date_outside",
            field="delivered_on",
        )
    description = (description or "").strip()
    if not description:
        raise ActionError(
            _("Please describe what was delivered."),
            code="description_required",
            field="description",
        )
    left = item.quota - _quota_used(item, exclude=exclude)
    if quantity > left:
        raise ActionError(
            _(
                "Only %(left)d of the %(quota)d %(unit)s of %(item)s are left to log "
                "(records awaiting the firm count too)."
            )
            % {
                "left": max(left, 0),
                "quota": item.quota,
                "unit": item.service_item.get_unit_display(),
                "item": item.service_item.display_name,
            },
            code="quota_exceeded",
            field="quantity",
        )
    return description


def _checked_files(files):
    try:
        return evidence.check_all(files or [])
    except ValidationError as error:
        raise ValidationError({"evidence": error.messages}) from None


# --- Service records --------------------------------------------------------------------


@transaction.atomic
def service_record_log(
    *, engagement, item, quantity, delivered_on, description, by, files=(), today=None
):
    """The agency logs a delivery with its evidence; it waits for the firm's confirmation.

    files: uploaded files, checked by content before anything is stored.
    Raises ActionError for a record that does not fit (quota, date, item) and
    ValidationError({"evidence": [...]}) naming each refused file.
    """
    today = today or timezone.localdate()
    checked = _checked_files(files)
    engagement = lock_engagement(engagement.pk)
    check_agency(by, engagement)
    check_open(engagement)
    item = EngagementItem.objects.select_related("service_item").get(pk=item.pk)
    description = _check_details(
        engagement=engagement,
        item=item,
        quantity=quantity,
        delivered_on=delivered_on,
        description=description,
        today=today,
    )
    record = ServiceRecord.objects.create(
        engagement=engagement,
        item=item,
        quantity=quantity,
        delivered_on=delivered_on,
        description=description,
        logged_by=by,
    )
    audit_record(
        actor=by,
        action="service.logged",
        subject=engagement,
        data={"record": record.pk, "item": item.pk, "quantity": quantity, "files": len(checked)},
    )
    notify(
        people(firm_id=engagement.firm_id),
        kind="service_logged",
        params=notice_params(engagement, record),
    )
    # Last write, so that a failed file removes the files already written and rolls back.
    evidence.store(checked, by=by, service_record=record)
    return record


def _lock_record(record):
    """Lock the record's engagement, then the record (the order every action here uses)."""
    engagement = lock_engagement(
        ServiceRecord.objects.values_list("engagement_id", flat=True).get(pk=record.pk)
    )
    record = (
        ServiceRecord.objects.select_for_update(of=("self",))
        .select_related("item__service_item")
        .get(pk=record.pk)
    )
    return engagement, record


@transaction.atomic
def service_record_confirm(*, record, by, now=None):
    """The firm confirms a delivery: it counts towards the quota and the settlement."""
    engagement, record = _lock_record(record)
    check_firm(by, engagement)
    check_open(engagement)
    if record.status != ServiceRecord.Status.PENDING:
        raise InvalidTransition(
            _("This record is %(state)s; only a record awaiting the firm can be confirmed.")
            % {"state": record.get_status_display()},
            code="record_not_pending",
        )
    record.decided_by = by
    record.decided_at = now or timezone.now()
    states.transition(
        record,
        ServiceRecord.Status.CONFIRMED,
        by=by,
        action="service.confirmed",
        fields=("decided_by", "decided_at"),
        audit=False,  # the engagement's timeline tells it (below)
    )
    audit_record(
        actor=by,
        action="service.confirmed",
        subject=engagement,
        data={"record": record.pk, "quantity": record.quantity},
    )
    notify(
        people(agency_id=engagement.agency_id),
        kind="service_confirmed",
        params=notice_params(engagement, record),
    )
    return record


@transaction.atomic
def service_record_dispute(*, record, by, reason, now=None):
    """The firm disputes a delivery, saying why; it stops counting until the agency corrects it."""
    reason = (reason or "").strip()
    if not reason:
        raise ActionError(
            _("Please say why you dispute this record."), code="reason_required", field="reason"
        )
    engagement, record = _lock_record(record)
    check_firm(by, engagement)
    check_open(engagement)
    if record.status != ServiceRecord.Status.PENDING:
        raise InvalidTransition(
            _("This record is %(state)s; only a record awaiting the firm can be disputed.")
            % {"state": record.get_status_display()},
            code="record_not_pending",
        )
    record.decided_by = by
    record.decided_at = now or timezone.now()
    record.dispute_reason = reason
    states.transition(
        record,
        ServiceRecord.Status.DISPUTED,
        by=by,
        action="service.disputed",
        fields=("decided_by", "decided_at", "dispute_reason"),
        audit=False,
    )
    audit_record(
        actor=by,
        action="service.disputed",
        subject=engagement,
        reason=reason,
        data={"record": record.pk},
    )
    notify(
        people(agency_id=engagement.agency_id),
        kind="service_disputed",
        params=notice_params(engagement, record, reason=reason),
    )
    return record


@transaction.atomic
def service_record_resubmit(
    *, record, by, quantity, delivered_on, description, files=(), today=None
):
    """The agency corrects a disputed record and sends it back to the firm.

    The dispute's reason stays in the audit trail; the record awaits the firm again.
    """
    today = today or timezone.localdate()
    checked = _checked_files(files)
    engagement, record = _lock_record(record)
    check_agency(by, engagement)
    check_open(engagement)
    if record.status != ServiceRecord.Status.DISPUTED:
        raise InvalidTransition(
            _("Only a disputed record can be corrected."), code="record_not_disputed"
        )
    description = _check_details(
        engagement=engagement,
        item=record.item,
        quantity=quantity,
        delivered_on=delivered_on,
        description=description,
        today=today,
        exclude=record,
    )
    previous_reason = record.dispute_reason
    record.quantity = quantity
    record.delivered_on = delivered_on
    record.description = description
    record.decided_by = None
    record.decided_at = None
    record.dispute_reason = ""
    states.transition(
        record,
        ServiceRecord.Status.PENDING,
        by=by,
        action="service.resubmitted",
        fields=(
            "quantity",
            "delivered_on",
            "description",
            "decided_by",
            "decided_at",
            "dispute_reason",
        ),
        audit=False,
    )
    audit_record(
        actor=by,
        action="service.resubmitted",
        subject=engagement,
        data={"record": record.pk, "quantity": quantity, "dispute": previous_reason},
    )
    notify(
        people(firm_id=engagement.firm_id),
        kind="service_resubmitted",
        params=notice_params(engagement, record),
    )
    evidence.store(checked, by=by, service_record=record)
    return record


# --- Training attendance ----------------------------------------------------------------


def attendance_ref(registration):
    return f"attendance:{registration.pk}"


def _attendance_quantity(item, event):
    """One session per attendance; an item counted in hours counts the event's hours."""
    if item.service_item.unit == ServiceItem.Unit.HOURS:
        hours = (event.ends_at - event.starts_at).total_seconds() / 3600
        return max(math.ceil(hours - 1e-9), 1)
    return 1


@transaction.atomic
def service_record_from_attendance(*, registration, by=None):
    """Count a training attendance as a confirmed training service of the firm's engagement.

    Called by cms.actions.event_attendance_mark in its transaction. Idempotent:
    one attendance makes at most one record. Returns the record, or None when the
    attendance counts towards nothing (no engagement running on the event's day,
    no training item, its quota used up, or the engagement being settled).
    """
    ref = attendance_ref(registration)
    existing = ServiceRecord.objects.filter(source_ref=ref).first()
    if existing is not None:
        return existing
    event = registration.event
    day = timezone.localdate(event.starts_at)
    candidate = (
        Engagement.objects.filter(
            firm_id=registration.firm_id,
            status=Engagement.Status.ACTIVE,
            starts_on__lte=day,
            ends_on__gte=day,
        )
        .values_list("pk", flat=True)
        .first()
    )
    if candidate is None:
        return None
    engagement = lock_engagement(candidate)
    if Settlement.objects.filter(engagement_id=engagement.pk).exists():
        return None
    items = engagement.items.select_related("service_item").filter(
        service_item__area=CustodyArea.TRAINING
    )
    for item in items:
        quantity = min(_attendance_quantity(item, event), item.quota - _quota_used(item))
        if quantity < 1:
            continue
        states.check(ServiceRecord, None, ServiceRecord.Status.CONFIRMED)
        record = ServiceRecord.objects.create(
            engagement=engagement,
            item=item,
            quantity=quantity,
            delivered_on=day,
            description=_("Attended the training “%(event)s” (%(person)s).")
            % {"event": event.title, "person": str(registration.user)},
            status=ServiceRecord.Status.CONFIRMED,
            source=ServiceRecord.Source.TRAINING,
            source_ref=ref,
            logged_by=by if by is not None and by.is_authenticated else None,
            decided_at=timezone.now(),
        )
        audit_record(
            actor=by,
            action="service.training_counted",
            subject=engagement,
            data={"record": record.pk, "registration": registration.pk, "quantity": quantity},
        )
        notify(
            people(agency_id=engagement.agency_id),
            kind="training_counted",
            params=notice_params(engagement, record, event=event.title),
        )
        return record
    return None


@transaction.atomic
def service_record_void_attendance(*, registration, by=None):
    """Withdraw the training record an attendance made, when the attendance is unmarked.

    Returns True when a record was removed. Refused once the firm has rated the
    engagement: the settlement is being decided on what was recorded.
    """
    record = ServiceRecord.objects.filter(source_ref=attendance_ref(registration)).first()
    if record is None:
        return False
    engagement, record = _lock_record(record)
    if Settlement.objects.filter(engagement_id=engagement.pk).exists():
        raise InvalidTransition(
            _(
                "This attendance counts in an engagement that is being settled; "
                "it can no longer be withdrawn."
            ),
            code="settling",
        )
    audit_record(
        actor=by,
        action="service.training_voided",
        subject=engagement,
        data={"record": record.pk, "registration": registration.pk, "quantity": record.quantity},
    )
    tombstones_record(
        resource="service-records",
        object_ids=[record.pk],
        firm_id=engagement.firm_id,
        incubator_id=engagement.firm.incubator_id,
    )
    record.delete()
    return True

"""State changes of service delivery and settlement; every entry point calls these.

The agency logs what it delivered against the package quotas, the firm confirms
or disputes each record, training attendance counts by itself; at the end the
firm rates the agency, the incubator confirms and the programme office approves
the settlement, which releases the unused reservation to the programme budget.

Each action locks the engagement row first: it serialises the quota count of
concurrent logs and keeps records from changing while the engagement settles.
"""

import math

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import ActionError, InvalidTransition, NotAllowed
from core.notices import notify
from custody import evidence, service_selectors
from custody.models import ServiceRecord, Settlement
from custody.payments import actions as payments
from marketplace.actions.engagements import engagement_complete
from marketplace.actions.requests import waitlist_serve
from marketplace.choices import CustodyArea
from marketplace.models import Engagement, EngagementItem, ServiceItem, User

# Records that use up quota; a disputed record gives its quantity back.
COUNTED_STATUSES = (ServiceRecord.Status.PENDING, ServiceRecord.Status.CONFIRMED)


def _people(**filters):
    return list(User.objects.filter(is_active=True, **filters))


def _lock_engagement(engagement_id):
    return (
        Engagement.objects.select_for_update(of=("self",))
        .select_related("firm", "agency", "programme_year")
        .get(pk=engagement_id)
    )


def _check_agency(by, engagement):
    if not (by is not None and by.is_agency_staff and by.agency_id == engagement.agency_id):
        raise NotAllowed(
            _("Only staff of the engagement's agency can log services."), code="not_agency"
        )


def _check_firm(by, engagement):
    if not (by is not None and by.is_firm_member and by.firm_id == engagement.firm_id):
        raise NotAllowed(_("Only a member of the firm can do this."), code="not_firm")


def _check_open(engagement):
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


def _params(engagement, record=None, **extra):
    params = {
        "firm": engagement.firm.name,
        "agency": engagement.agency.name,
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
    engagement = _lock_engagement(engagement.pk)
    _check_agency(by, engagement)
    _check_open(engagement)
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
        _people(firm_id=engagement.firm_id),
        kind="service_logged",
        params=_params(engagement, record),
    )
    # Last write, so that a failed file removes the files already written and rolls back.
    evidence.store(checked, by=by, service_record=record)
    return record


def _lock_record(record):
    """Lock the record's engagement, then the record (the order every action here uses)."""
    engagement = _lock_engagement(
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
    _check_firm(by, engagement)
    _check_open(engagement)
    if record.status != ServiceRecord.Status.PENDING:
        raise InvalidTransition(
            _("This record is %(state)s; only a record awaiting the firm can be confirmed.")
            % {"state": record.get_status_display()},
            code="record_not_pending",
        )
    record.status = ServiceRecord.Status.CONFIRMED
    record.decided_by = by
    record.decided_at = now or timezone.now()
    record.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(
        actor=by,
        action="service.confirmed",
        subject=engagement,
        data={"record": record.pk, "quantity": record.quantity},
    )
    notify(
        _people(agency_id=engagement.agency_id),
        kind="service_confirmed",
        params=_params(engagement, record),
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
    _check_firm(by, engagement)
    _check_open(engagement)
    if record.status != ServiceRecord.Status.PENDING:
        raise InvalidTransition(
            _("This record is %(state)s; only a record awaiting the firm can be disputed.")
            % {"state": record.get_status_display()},
            code="record_not_pending",
        )
    record.status = ServiceRecord.Status.DISPUTED
    record.decided_by = by
    record.decided_at = now or timezone.now()
    record.dispute_reason = reason
    record.save(update_fields=["status", "decided_by", "decided_at", "dispute_reason"])
    audit_record(
        actor=by,
        action="service.disputed",
        subject=engagement,
        reason=reason,
        data={"record": record.pk},
    )
    notify(
        _people(agency_id=engagement.agency_id),
        kind="service_disputed",
        params=_params(engagement, record, reason=reason),
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
    _check_agency(by, engagement)
    _check_open(engagement)
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
    record.status = ServiceRecord.Status.PENDING
    record.decided_by = None
    record.decided_at = None
    record.dispute_reason = ""
    record.save()
    audit_record(
        actor=by,
        action="service.resubmitted",
        subject=engagement,
        data={"record": record.pk, "quantity": quantity, "dispute": previous_reason},
    )
    notify(
        _people(firm_id=engagement.firm_id),
        kind="service_resubmitted",
        params=_params(engagement, record),
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
    engagement = _lock_engagement(candidate)
    if Settlement.objects.filter(engagement_id=engagement.pk).exists():
        return None
    items = engagement.items.select_related("service_item").filter(
        service_item__area=CustodyArea.TRAINING
    )
    for item in items:
        quantity = min(_attendance_quantity(item, event), item.quota - _quota_used(item))
        if quantity < 1:
            continue
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
            _people(agency_id=engagement.agency_id),
            kind="training_counted",
            params=_params(engagement, record, event=event.title),
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
    record.delete()
    return True


# --- Completion and settlement ----------------------------------------------------------


def completion_refusal(engagement, deliveries, *, today):
    """Why the firm cannot rate the engagement yet, in words; None when it can."""
    if engagement.status != Engagement.Status.ACTIVE:
        return _("Only an active engagement can be rated.")
    if today < engagement.ends_on and not all(d.confirmed >= d.quota for d in deliveries):
        return _(
            "The engagement can be rated when its period ends on %(end)s, "
            "or earlier once every quota is delivered and confirmed."
        ) % {"end": engagement.ends_on.isoformat()}
    return None


@transaction.atomic
def settlement_rate(*, engagement, by, rating, comment="", today=None):
    """The firm rates the agency (1–5): the settlement starts and service records close."""
    today = today or timezone.localdate()
    if rating is None or not 1 <= int(rating) <= 5:
        raise ActionError(
            _("Give a rating from 1 to 5."), code="rating_out_of_range", field="rating"
        )
    engagement = _lock_engagement(engagement.pk)
    _check_firm(by, engagement)
    if Settlement.objects.filter(engagement_id=engagement.pk).exists():
        raise InvalidTransition(_("This engagement was already rated."), code="already_rated")
    refusal = completion_refusal(
        engagement, service_selectors.engagement_deliveries(engagement), today=today
    )
    if refusal:
        raise InvalidTransition(refusal, code="not_complete")
    pending = ServiceRecord.objects.filter(
        engagement=engagement, status=ServiceRecord.Status.PENDING
    ).count()
    if pending:
        raise InvalidTransition(
            _(
                "%(count)d service records still await your confirmation; "
                "confirm or dispute them before rating."
            )
            % {"count": pending},
            code="records_pending",
        )
    settlement = Settlement.objects.create(
        engagement=engagement, rating=int(rating), comment=(comment or "").strip(), rated_by=by
    )
    audit_record(
        actor=by,
        action="settlement.rated",
        subject=engagement,
        data={"rating": settlement.rating},
        reason=settlement.comment,
    )
    notify(
        _people(incubator_id=engagement.firm.incubator_id)
        + _people(agency_id=engagement.agency_id),
        kind="settlement_rated",
        params=_params(engagement, rating=settlement.rating),
    )
    return settlement


def _lock_settlement(engagement, check):
    """Lock the engagement, check the actor with `check(engagement)`, then lock its settlement."""
    engagement = _lock_engagement(engagement.pk)
    check(engagement)
    settlement = (
        Settlement.objects.select_for_update(of=("self",))
        .filter(engagement_id=engagement.pk)
        .first()
    )
    if settlement is None:
        raise InvalidTransition(_("The firm has not rated this engagement yet."), code="not_rated")
    return engagement, settlement


@transaction.atomic
def settlement_confirm(*, engagement, by, now=None):
    """The manager of the firm's incubator confirms the rated engagement."""

    def check(engagement):
        if not (by.is_incubator_manager and by.incubator_id == engagement.firm.incubator_id):
            raise NotAllowed(
                _("Only the manager of the firm's incubator can confirm the settlement."),
                code="not_manager",
            )

    engagement, settlement = _lock_settlement(engagement, check)
    if settlement.status != Settlement.Status.RATED:
        raise InvalidTransition(
            _("This settlement is already %(state)s.") % {"state": settlement.get_status_display()},
            code="settlement_not_rated",
        )
    settlement.status = Settlement.Status.CONFIRMED
    settlement.confirmed_by = by
    settlement.confirmed_at = now or timezone.now()
    settlement.save(update_fields=["status", "confirmed_by", "confirmed_at"])
    audit_record(actor=by, action="settlement.confirmed", subject=engagement)
    notify(
        _people(role=User.Role.PROGRAMME_OFFICER),
        kind="settlement_confirmed",
        params=_params(engagement),
    )
    return settlement


@transaction.atomic
def settlement_approve(*, engagement, by, now=None):
    """The programme office approves: the amount is fixed, the engagement completes and the
    unused reservation returns to the programme budget."""

    def check(engagement):
        if not by.is_programme_officer:
            raise NotAllowed(
                _("Only a programme officer can approve the settlement."), code="not_officer"
            )

    engagement, settlement = _lock_settlement(engagement, check)
    if settlement.status != Settlement.Status.CONFIRMED:
        message = (
            _("This settlement was already approved.")
            if settlement.status == Settlement.Status.APPROVED
            else _("The incubator has not confirmed this settlement yet.")
        )
        raise InvalidTransition(message, code=f"settlement_{settlement.status}")
    result = service_selectors.settlement_preview(engagement)
    settlement.status = Settlement.Status.APPROVED
    settlement.approved_by = by
    settlement.approved_at = now or timezone.now()
    settlement.amount = result.amount
    settlement.released = result.released
    settlement.lines = [line.as_json() for line in result.lines]
    settlement.save(
        update_fields=["status", "approved_by", "approved_at", "amount", "released", "lines"]
    )
    payments.engagement_settled(engagement, settlement, by=by, result=result)
    audit_record(
        actor=by,
        action="settlement.approved",
        subject=engagement,
        data={"amount": str(result.amount), "released": str(result.released)},
    )
    engagement_complete(engagement=engagement, by=by)
    notify(
        _people(firm_id=engagement.firm_id)
        + _people(agency_id=engagement.agency_id)
        + _people(incubator_id=engagement.firm.incubator_id),
        kind="settlement_approved",
        params=_params(engagement, amount=str(result.amount), released=str(result.released)),
    )
    if result.released > 0:
        programme_year = engagement.programme_year
        transaction.on_commit(lambda: waitlist_serve(programme_year=programme_year))
    return settlement

"""Deadlines done, missed and reminded."""

import datetime
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import ActionError, InvalidTransition, NotAllowed
from core.notices import notify
from custody import deadlines as deadline_rules
from custody import evidence, reminders
from custody.actions.assets import can_edit_portfolio
from custody.models import Deadline, DeadlineReminder
from marketplace.models import Engagement, ProgrammeYear, User

# --- Deadlines done, missed and reminded ---------------------------------------------


def _custodies_of(firm_ids):
    """firm id → its engagements (cancelled ones never held custody), as reminders.Custody."""
    custodies = defaultdict(list)
    rows = (
        Engagement.objects.filter(firm_id__in=firm_ids)
        .exclude(status=Engagement.Status.CANCELLED)
        .values_list(
            "firm_id", "agency_id", "status", "starts_on", "ends_on", "programme_year__year"
        )
    )
    for firm_id, agency_id, status, starts_on, ends_on, year in rows:
        custodies[firm_id].append(
            reminders.Custody(
                agency_id=agency_id,
                active=status == Engagement.Status.ACTIVE,
                starts_on=starts_on,
                ends_on=ends_on,
                year=year,
            )
        )
    return custodies


def _active_engagements(firm_ids):
    """firm id → (agency id, the programme year's reminder days) of its active engagement."""
    active = {}
    rows = (
        Engagement.objects.filter(firm_id__in=firm_ids, status=Engagement.Status.ACTIVE)
        .order_by("programme_year__year")
        .values_list("firm_id", "agency_id", "programme_year__reminder_days")
    )
    for firm_id, agency_id, days in rows:
        active[firm_id] = (agency_id, days)  # the latest year wins
    return active


def _deadline_parties(firm_id, agency_id):
    """Who hears about a deadline: the firm's members and the custody agency's staff."""
    parties = Q(firm_id=firm_id, role=User.Role.FIRM_MEMBER)
    if agency_id is not None:
        parties |= Q(agency_id=agency_id, role=User.Role.AGENCY_STAFF)
    return list(User.objects.filter(parties, is_active=True).order_by("pk"))


def _deadline_params(deadline, **extra):
    return {
        "deadline_id": deadline.pk,
        "deadline_kind": deadline.kind,
        "number": deadline.asset.number,
        "firm": deadline.firm.name,
        "due_on": deadline.due_on.isoformat(),
        **extra,
    }


def can_mark_done(user, deadline):
    """A member of the firm, or staff of the agency holding its active engagement."""
    return user is not None and user.is_authenticated and can_edit_portfolio(user, deadline.firm)


@transaction.atomic
def deadline_mark_done(*, deadline, by, note="", files=(), now=None):
    """Record that a deadline was met, with an optional note and evidence files.

    Every file is checked before anything is written: one refused file stores none.
    """
    now = now or timezone.now()
    deadline = (
        Deadline.objects.select_for_update(of=("self",))
        .select_related("asset", "firm")
        .get(pk=deadline.pk)
    )
    if not can_mark_done(by, deadline):
        raise NotAllowed(
            _("Only the firm or its custody agency can mark this deadline done."),
            code="deadline_not_allowed",
        )
    if not deadline.is_task:
        raise InvalidTransition(
            _("An expiry is information, not a task: there is nothing to mark done."),
            code="deadline_not_a_task",
        )
    if deadline.done_at is not None:
        raise InvalidTransition(
            _("This deadline was already marked done."), code="deadline_already_done"
        )
    if deadline.missed_at is not None:
        raise InvalidTransition(
            _("This deadline was missed: its last day has passed."), code="deadline_missed"
        )
    try:
        checked = evidence.check_all(list(files))
    except ValidationError as error:
        raise ActionError(
            " ".join(error.messages), code="evidence_refused", field="files"
        ) from None
    if by.is_agency_staff:
        agency_id = by.agency_id
    else:
        agency_id = _active_engagements([deadline.firm_id]).get(deadline.firm_id, (None,))[0]
    deadline.done_at = now
    deadline.done_by = by
    deadline.done_note = (note or "").strip()
    deadline.responsible_agency_id = agency_id
    deadline.save(
        update_fields=["done_at", "done_by", "done_note", "responsible_agency", "updated_at"]
    )
    audit_record(
        actor=by,
        action="deadline.done",
        subject=deadline,
        from_state="open",
        to_state="done",
        data={"files": len(checked), "agency_id": agency_id},
    )
    # Last write: if a file cannot be stored, the rows above roll back with it.
    evidence.store(checked, by=by, deadline=deadline)
    return deadline


# A backlog flagged at once (e.g. the first run) is not worth a notice per deadline.
MISSED_NOTICE_WINDOW = datetime.timedelta(days=7)


@transaction.atomic
def deadlines_flag_missed(*, today=None, now=None):
    """Flag open tasks (fees, renewals) whose last day (grace included) has passed; safe to
    run twice. An expiry is information and is never flagged.

    Each is charged to the agency that held the firm's custody; returns how many were flagged.
    """
    today = today or timezone.localdate()
    now = now or timezone.now()
    past = Q(grace_ends_on__lt=today) | Q(grace_ends_on__isnull=True, due_on__lt=today)
    due = list(
        Deadline.objects.select_for_update(of=("self",))
        .select_related("asset", "firm")
        .filter(
            past, kind__in=deadline_rules.TASK_KINDS, done_at__isnull=True, missed_at__isnull=True
        )
        .order_by("pk")
    )
    if not due:
        return 0
    custodies = _custodies_of({deadline.firm_id for deadline in due})
    for deadline in due:
        day = reminders.last_day(deadline.due_on, deadline.grace_ends_on)
        agency_id = reminders.responsible_agency(custodies[deadline.firm_id], day)
        deadline.missed_at = now
        deadline.responsible_agency_id = agency_id
        deadline.save(update_fields=["missed_at", "responsible_agency", "updated_at"])
        audit_record(
            actor=None,
            action="deadline.missed",
            subject=deadline,
            from_state="open",
            to_state="missed",
            data={"last_day": day.isoformat(), "agency_id": agency_id},
        )
        if today - day <= MISSED_NOTICE_WINDOW:
            notify(
                _deadline_parties(deadline.firm_id, agency_id),
                kind="deadline_missed",
                params=_deadline_params(deadline, last_day=day.isoformat()),
            )
    return len(due)


def _open_year_reminder_days(today):
    year = (
        ProgrammeYear.objects.filter(opens_on__lte=today, closes_on__gte=today).first()
        or ProgrammeYear.objects.filter(year=today.year).first()
    )
    return year.reminder_days if year else None


def deadline_reminders_send(*, today=None):
    """Send the reminders owed today, catching up after an outage; returns how many were sent.

    Each deadline gets at most the most recent day mark it reached
    (reminders.reminder_owed); deadline_remind makes each one go out once.
    """
    today = today or timezone.localdate()
    fallback = _open_year_reminder_days(today)
    longest = max(
        [
            *reminders.reminder_days_of(None, fallback),
            *(
                d
                for days in ProgrammeYear.objects.values_list("reminder_days", flat=True)
                for d in days
            ),
        ]
    )
    candidates = Deadline.objects.filter(
        done_at__isnull=True,
        missed_at__isnull=True,
        due_on__gt=today,
        due_on__lte=today + datetime.timedelta(days=longest),
    )
    rows = list(candidates.values_list("pk", "firm_id", "due_on"))
    sent = defaultdict(set)
    for deadline_id, days_before in DeadlineReminder.objects.filter(
        deadline__in=candidates
    ).values_list("deadline_id", "days_before"):
        sent[deadline_id].add(days_before)
    active = _active_engagements({firm_id for _pk, firm_id, _due in rows})
    count = 0
    for deadline_id, firm_id, due_on in rows:
        days = reminders.reminder_days_of(active.get(firm_id, (None, None))[1], fallback)
        mark = reminders.reminder_owed(due_on, days, today, sent[deadline_id])
        if mark is not None and deadline_remind(
            deadline_id=deadline_id, days_before=mark, today=today
        ):
            count += 1
    return count


@transaction.atomic
def deadline_remind(*, deadline_id, days_before, today=None):
    """Send one reminder of a deadline unless it was sent; returns the DeadlineReminder or None.

    The reminder row goes in first: of two runs at once, only the one that
    inserted it notifies (the e-mail leaves after commit, through notify).
    """
    today = today or timezone.localdate()
    deadline = (
        Deadline.objects.select_for_update(of=("self",))
        .select_related("asset", "firm")
        .filter(pk=deadline_id, done_at__isnull=True, missed_at__isnull=True)
        .first()
    )
    if deadline is None:
        return None
    reminder, created = DeadlineReminder.objects.get_or_create(
        deadline=deadline, days_before=days_before
    )
    if not created:
        return None
    agency_id = _active_engagements([deadline.firm_id]).get(deadline.firm_id, (None,))[0]
    users = _deadline_parties(deadline.firm_id, agency_id)
    notify(
        users,
        kind="deadline_reminder",
        params=_deadline_params(
            deadline, days_left=(deadline.due_on - today).days, agency_id=agency_id
        ),
    )
    reminder.recipients = len(users)
    reminder.save(update_fields=["recipients"])
    return reminder

"""State changes of the custody workspace. Every entry point (pages, API, commands) calls these.

Deadlines are never typed in: they are derived from the assets by
custody.deadlines and written here, in the same transaction as the change that
caused them, with an audit event.
"""

import datetime
import secrets
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import ActionError, InvalidTransition, NotAllowed
from core.notices import notify
from custody import deadlines, evidence, reminders
from custody.models import CalendarFeed, Deadline, DeadlineReminder, IPAsset
from marketplace.models import Engagement, ProgrammeYear, User

ASSET_FIELDS = (
    "kind",
    "number",
    "title",
    "status",
    "filing_date",
    "grant_date",
    "registration_date",
    "nice_classes",
    "expiry_override",
)


def can_edit_portfolio(user, firm):
    """A member of the firm, or staff of an agency with an active engagement for it."""
    if user is None:
        # Management commands and tasks act for the system.
        return True
    if user.is_firm_member:
        return user.firm_id == firm.pk
    if user.is_agency_staff:
        return Engagement.objects.filter(
            firm=firm, agency_id=user.agency_id, status=Engagement.Status.ACTIVE
        ).exists()
    return False


def _check_can_edit(by, firm):
    if not can_edit_portfolio(by, firm):
        raise NotAllowed(
            _("Only the firm or its custody agency can change this portfolio."),
            code="portfolio_not_allowed",
        )


def _unknown_fields(fields):
    unknown = set(fields) - set(ASSET_FIELDS)
    if unknown:
        raise ValueError(f"not asset fields: {', '.join(sorted(unknown))}")


def _refresh_asset(asset, *, today):
    """Write the asset's deadlines as the rules give them today; returns (created, updated, removed)."""
    specs = deadlines.deadlines_for(asset.facts(), today)
    existing = {(d.kind, d.original_due_on): d for d in asset.deadlines.all()}
    created = updated = 0
    wanted = set()
    for spec in specs:
        key = (spec.kind, spec.original_due_on)
        wanted.add(key)
        fields = Deadline.fields_from_spec(spec)
        current = existing.get(key)
        if current is None:
            Deadline.objects.create(
                asset=asset,
                firm_id=asset.firm_id,
                kind=spec.kind,
                original_due_on=spec.original_due_on,
                **fields,
            )
            created += 1
        elif any(getattr(current, name) != value for name, value in fields.items()):
            for name, value in fields.items():
                setattr(current, name, value)
            current.save()
            updated += 1
    # Done deadlines stay as the record of work; open ones the rules no longer give go.
    stale = [d.pk for key, d in existing.items() if key not in wanted and d.done_at is None]
    if stale:
        Deadline.objects.filter(pk__in=stale).delete()
    return created, updated, len(stale)


@transaction.atomic
def asset_create(*, firm, by, fields, today=None):
    """Add an asset to the firm's portfolio and derive its deadlines."""
    _unknown_fields(fields)
    _check_can_edit(by, firm)
    asset = IPAsset(firm=firm, **fields)
    asset.full_clean()
    asset.save()
    created, _updated, _removed = _refresh_asset(asset, today=today or timezone.localdate())
    audit_record(
        actor=by,
        action="asset.created",
        subject=asset,
        to_state=asset.status,
        data={"number": asset.number, "deadlines": created},
    )
    return asset


@transaction.atomic
def asset_update(*, asset, by, changes, today=None):
    """Change an asset's facts and re-derive its deadlines."""
    _unknown_fields(changes)
    asset = IPAsset.objects.select_for_update().get(pk=asset.pk)
    _check_can_edit(by, asset.firm)
    before = {name: getattr(asset, name) for name in changes}
    for name, value in changes.items():
        setattr(asset, name, value)
    asset.full_clean()
    changed = {
        name: [str(before[name]), str(getattr(asset, name))]
        for name in changes
        if before[name] != getattr(asset, name)
    }
    if not changed:
        return asset
    asset.save()
    created, updated, removed = _refresh_asset(asset, today=today or timezone.localdate())
    audit_record(
        actor=by,
        action="asset.updated",
        subject=asset,
        from_state=before.get("status", asset.status),
        to_state=asset.status,
        data={
            "changed": changed,
            "deadlines": {"created": created, "updated": updated, "removed": removed},
        },
    )
    return asset


@transaction.atomic
def deadlines_refresh_for_firm(*, firm, by=None, today=None):
    """Re-derive every deadline of the firm's portfolio, e.g. once a new year's holidays are declared."""
    _check_can_edit(by, firm)
    today = today or timezone.localdate()
    totals = [0, 0, 0]
    assets = IPAsset.objects.select_for_update().filter(firm=firm).prefetch_related("deadlines")
    for asset in assets:
        for index, count in enumerate(_refresh_asset(asset, today=today)):
            totals[index] += count
    created, updated, removed = totals
    if created or updated or removed:
        audit_record(
            actor=by,
            action="deadlines.refreshed",
            subject=firm,
            data={"created": created, "updated": updated, "removed": removed},
        )
    return {"created": created, "updated": updated, "removed": removed}


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
    """Flag open deadlines whose last day (grace included) has passed; safe to run twice.

    Each is charged to the agency that held the firm's custody; returns how many were flagged.
    """
    today = today or timezone.localdate()
    now = now or timezone.now()
    past = Q(grace_ends_on__lt=today) | Q(grace_ends_on__isnull=True, due_on__lt=today)
    due = list(
        Deadline.objects.select_for_update(of=("self",))
        .select_related("asset", "firm")
        .filter(past, done_at__isnull=True, missed_at__isnull=True)
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
        params=_deadline_params(deadline, days_left=(deadline.due_on - today).days),
    )
    reminder.recipients = len(users)
    reminder.save(update_fields=["recipients"])
    return reminder


# --- Calendar feeds --------------------------------------------------------------------


def _check_may_have_feed(user):
    if not (
        user.is_firm_member
        or user.is_agency_staff
        or user.is_incubator_manager
        or user.is_programme_officer
    ):
        raise NotAllowed(_("Your role has no deadlines to put in a calendar."))


@transaction.atomic
def calendar_feed_issue(*, user):
    """The user's secret calendar address, made on first use; asking again returns the same."""
    _check_may_have_feed(user)
    feed, created = CalendarFeed.objects.get_or_create(
        user=user, defaults={"token": secrets.token_urlsafe(32)}
    )
    if created:
        audit_record(actor=user, action="calendar_feed.issued", subject=feed)
    return feed


@transaction.atomic
def calendar_feed_revoke(*, user, now=None):
    """Replace the user's calendar address: the old one answers 404 from now on."""
    _check_may_have_feed(user)
    feed = CalendarFeed.objects.select_for_update().filter(user=user).first()
    if feed is None:
        raise InvalidTransition(
            _("You have no calendar address to revoke."), code="calendar_feed_missing"
        )
    feed.token = secrets.token_urlsafe(32)
    feed.created_at = now or timezone.now()
    feed.save(update_fields=["token", "created_at"])
    audit_record(actor=user, action="calendar_feed.revoked", subject=feed)
    return feed

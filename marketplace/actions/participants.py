"""State changes of participants. Every entry point (pages, API, admin, commands) calls these.

Each action opens a transaction, locks the row it changes, checks the source
state and the actor's right, writes the change with its audit event, and
queues e-mail in the outbox (core.actions.outbox), sent once it commits.
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import override

from core.actions.outbox import email_enqueue
from core.audit import audit_record
from core.errors import InvalidTransition, NotAllowed
from core.formatting import join_words
from marketplace.models import Agency, Firm, User
from marketplace.models.terms import MatchingTerms


def _mail_on_commit(*, recipients, subject, body):
    """Through the outbox: written with the change, sent once it has committed."""
    email_enqueue(recipients=recipients, subject=subject, body=body)


def _create_user(*, role, username, email, password, display_name="", **memberships):
    user = User(role=role, username=username, email=email, display_name=display_name, **memberships)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user


# --- Firms ---------------------------------------------------------------------


@transaction.atomic
def firm_register(*, firm_fields, username, email, password, display_name=""):
    """Self sign-up: create the firm (pending its incubator) and its first member."""
    firm = Firm(**firm_fields, verification=Firm.Verification.PENDING)
    firm.full_clean()
    firm.refresh_matching_terms()
    firm.save()
    user = _create_user(
        role=User.Role.FIRM_MEMBER,
        username=username,
        email=email,
        password=password,
        display_name=display_name,
        firm=firm,
    )
    audit_record(actor=user, action="firm.registered", subject=firm, to_state=firm.verification)
    managers = firm.incubator.managers.filter(is_active=True)
    with override(settings.LANGUAGE_CODE):
        _mail_on_commit(
            recipients=[manager.email for manager in managers],
            subject=_("New firm waiting for confirmation: %(name)s") % {"name": firm.name},
            body=_(
                "%(name)s (%(code)s) signed up as incubated in %(incubator)s. "
                "Please confirm or reject it in the incubator portal."
            )
            % {"name": firm.name, "code": firm.credit_code, "incubator": firm.incubator.name},
        )
    return firm, user


def _check_can_verify(*, firm, by):
    if by.is_programme_officer:
        return
    if by.is_incubator_manager and by.incubator_id == firm.incubator_id:
        return
    raise NotAllowed(_("Only a manager of this firm's incubator can confirm or reject it."))


@transaction.atomic
def firm_verify(*, firm, by):
    """The incubator confirms that the firm is incubated there."""
    firm = Firm.objects.select_for_update().get(pk=firm.pk)
    _check_can_verify(firm=firm, by=by)
    if firm.verification == Firm.Verification.VERIFIED:
        raise InvalidTransition(_("%(name)s is already verified.") % {"name": firm.name})
    previous = firm.verification
    firm.verification = Firm.Verification.VERIFIED
    firm.verification_reason = ""
    firm.verified_at = timezone.now()
    firm.verified_by = by
    firm.save(update_fields=["verification", "verification_reason", "verified_at", "verified_by"])
    audit_record(
        actor=by,
        action="firm.verified",
        subject=firm,
        from_state=previous,
        to_state=firm.verification,
    )
    _mail_on_commit(
        recipients=list(firm.members.values_list("email", flat=True)),
        subject=_("Your incubator confirmed %(name)s") % {"name": firm.name},
        body=_("%(name)s is now verified and can apply for IP custody.") % {"name": firm.name},
    )
    return firm


@transaction.atomic
def firm_incubation_end(*, firm, by, on):
    """The incubator records the last day of the firm's incubation (it graduated or left).

    From the next day the firm is no longer eligible for custody, and coverage and the
    dashboards stop counting it as a firm to serve; a custody already running goes on.
    """
    firm = Firm.objects.select_for_update().get(pk=firm.pk)
    _check_can_verify(firm=firm, by=by)
    if on is None:
        raise InvalidTransition(
            _("Give the last day of incubation."), code="date_required", field="on"
        )
    if on < firm.admitted_on:
        raise InvalidTransition(
            _("Incubation cannot end before the firm was admitted (%(day)s).")
            % {"day": firm.admitted_on.isoformat()},
            code="before_admission",
            field="on",
        )
    previous = firm.incubation_ends_on
    firm.incubation_ends_on = on
    firm.save(update_fields=["incubation_ends_on"])
    audit_record(
        actor=by,
        action="firm.incubation_ended",
        subject=firm,
        data={"on": on.isoformat(), "before": previous.isoformat() if previous else None},
    )
    return firm


@transaction.atomic
def firm_reject(*, firm, by, reason):
    """The incubator says the firm is not incubated there; the reason goes to the firm."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidTransition(
            _("Please give a reason for the rejection."), code="reason_required", field="reason"
        )
    firm = Firm.objects.select_for_update().get(pk=firm.pk)
    _check_can_verify(firm=firm, by=by)
    if firm.verification != Firm.Verification.PENDING:
        raise InvalidTransition(
            _("%(name)s is %(state)s, not waiting for confirmation.")
            % {"name": firm.name, "state": firm.get_verification_display()}
        )
    firm.verification = Firm.Verification.REJECTED
    firm.verification_reason = reason
    firm.verified_at = timezone.now()
    firm.verified_by = by
    firm.save(update_fields=["verification", "verification_reason", "verified_at", "verified_by"])
    audit_record(
        actor=by,
        action="firm.rejected",
        subject=firm,
        from_state=Firm.Verification.PENDING,
        to_state=firm.verification,
        reason=reason,
    )
    _mail_on_commit(
        recipients=list(firm.members.values_list("email", flat=True)),
        subject=_("Your incubator could not confirm %(name)s") % {"name": firm.name},
        body=_("Reason given: %(reason)s") % {"reason": reason},
    )
    return firm


# --- Agencies ------------------------------------------------------------------


@transaction.atomic
def agency_register(*, agency_fields, service_items, username, email, password, display_name=""):
    """Self sign-up: create the agency (applied) and its administrator."""
    agency = Agency(**agency_fields, status=Agency.Status.APPLIED)
    agency.full_clean()
    agency.refresh_matching_terms()
    agency.save()
    agency.service_items.set(service_items)
    user = _create_user(
        role=User.Role.AGENCY_STAFF,
        username=username,
        email=email,
        password=password,
        display_name=display_name,
        agency=agency,
        is_agency_admin=True,
    )
    audit_record(actor=user, action="agency.applied", subject=agency, to_state=agency.status)
    officers = User.objects.filter(role=User.Role.PROGRAMME_OFFICER, is_active=True)
    _mail_on_commit(
        recipients=list(officers.values_list("email", flat=True)),
        subject=_("New agency application: %(name)s") % {"name": agency.name},
        body=_("%(name)s applied to deliver IP custody. Please review its licence.")
        % {"name": agency.name},
    )
    return agency, user


def _check_officer(by):
    if not by.is_programme_officer:
        raise NotAllowed(_("Only a programme officer can do this."))


def _set_agency_status(*, agency, by, status, reason="", allowed_from):
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    _check_officer(by)
    if agency.status not in allowed_from:
        raise InvalidTransition(
            _("%(name)s is %(state)s; this action does not apply.")
            % {"name": agency.name, "state": agency.get_status_display()}
        )
    previous = agency.status
    agency.status = status
    agency.status_reason = reason
    fields = ["status", "status_reason"]
    if status == Agency.Status.APPROVED:
        agency.approved_at = timezone.now()
        fields.append("approved_at")
    agency.save(update_fields=fields)
    audit_record(
        actor=by,
        action=f"agency.{status}",
        subject=agency,
        from_state=previous,
        to_state=status,
        reason=reason,
    )
    _mail_on_commit(
        recipients=list(agency.staff.filter(is_active=True).values_list("email", flat=True)),
        subject=_("%(name)s: %(state)s")
        % {"name": agency.name, "state": agency.get_status_display()},
        body=reason or _("Your agency's status in the IP custody programme changed."),
    )
    return agency


@transaction.atomic
def agency_approve(*, agency, by, today=None):
    """Approve an applied (or reinstate a suspended) agency; an expired licence is refused."""
    today = today or timezone.localdate()
    locked = Agency.objects.select_for_update().get(pk=agency.pk)
    if not locked.licence_valid_on(today):
        if locked.licence_valid_until < today:
            message = _("The licence expired on %(date)s; ask the agency to upload a valid one.")
            day = locked.licence_valid_until
        else:
            message = _("The licence is only valid from %(date)s.")
            day = locked.licence_valid_from
        raise InvalidTransition(
            message % {"date": date_format(day, "DATE_FORMAT")},
            code="licence_invalid",
            field="licence_valid_until",
        )
    return _set_agency_status(
        agency=locked,
        by=by,
        status=Agency.Status.APPROVED,
        allowed_from={Agency.Status.APPLIED, Agency.Status.SUSPENDED},
    )


@transaction.atomic
def agency_reject(*, agency, by, reason):
    # Who may act is said before what is missing, so outsiders learn nothing more.
    _check_officer(by)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidTransition(
            _("Please give a reason for the rejection."), code="reason_required", field="reason"
        )
    return _set_agency_status(
        agency=agency,
        by=by,
        status=Agency.Status.REJECTED,
        reason=reason,
        allowed_from={Agency.Status.APPLIED},
    )


@transaction.atomic
def agency_suspend(*, agency, by, reason):
    """Suspension takes the agency out of matching at once."""
    # Who may act is said before what is missing, so outsiders learn nothing more.
    _check_officer(by)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidTransition(
            _("Please give a reason for the suspension."), code="reason_required", field="reason"
        )
    return _set_agency_status(
        agency=agency,
        by=by,
        status=Agency.Status.SUSPENDED,
        reason=reason,
        allowed_from={Agency.Status.APPROVED},
    )


# --- Records created by the programme office --------------------------------------

_STATE_FIELDS = {
    "status",
    "status_reason",
    "approved_at",
    "verification",
    "verification_reason",
    "verified_at",
    "verified_by",
}


@transaction.atomic
def participant_create(*, instance, by, many_to_many=None):
    """Create an incubator, firm or agency entered by an officer (admin or API), with its audit event."""
    _check_officer(by)
    instance.full_clean()
    if isinstance(instance, MatchingTerms):
        instance.refresh_matching_terms()
    instance.save()
    for name, values in (many_to_many or {}).items():
        getattr(instance, name).set(values)
    state = getattr(instance, "status", "") or getattr(instance, "verification", "")
    audit_record(
        actor=by, action=f"{instance._meta.model_name}.created", subject=instance, to_state=state
    )
    return instance


@transaction.atomic
def participant_update(*, instance, by, changes, many_to_many=None):
    """Change descriptive fields of a participant; states change only through their actions."""
    guarded = set(changes) & _STATE_FIELDS
    if guarded:
        raise NotAllowed(
            _("%(fields)s change only through their own actions.")
            % {"fields": join_words(sorted(guarded))}
        )
    locked = type(instance).objects.select_for_update().get(pk=instance.pk)
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.full_clean()
    if isinstance(locked, MatchingTerms) and set(changes) & set(locked.matching_text_fields):
        locked.refresh_matching_terms()
    locked.save()
    for name, values in (many_to_many or {}).items():
        getattr(locked, name).set(values)
    audit_record(
        actor=by,
        action=f"{locked._meta.model_name}.updated",
        subject=locked,
        data={"fields": sorted(list(changes) + list(many_to_many or {}))},
    )
    return locked

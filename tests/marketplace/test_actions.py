"""Participant actions: who may do what, from which state, and what each leaves behind."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.formats import date_format

from core.errors import ActionError, InvalidTransition, NotAllowed
from core.models import AuditEvent
from marketplace import actions
from marketplace.models import Agency, Firm, User
from tests.factories import PASSWORD, AgencyFactory, FirmFactory, ServiceItemFactory, UserFactory

pytestmark = pytest.mark.django_db


def _events(subject, action):
    return AuditEvent.objects.filter(action=action, subject_id=str(subject.pk))


def _english(error):
    with translation.override("en"):
        return str(error.message)


@pytest.fixture
def pending_firm(personas):
    firm = FirmFactory(name="南京待审科技有限公司", incubator=personas.incubator)
    UserFactory(
        username="pending_member",
        email="founder@pending.example",
        role=User.Role.FIRM_MEMBER,
        firm=firm,
    )
    return firm


@pytest.fixture
def applied_agency(personas):
    agency = AgencyFactory(name="新申请专利事务所")
    UserFactory(
        username="applicant",
        email="admin@applicant.example",
        role=User.Role.AGENCY_STAFF,
        agency=agency,
        is_agency_admin=True,
    )
    return agency


# --- firm_verify -----------------------------------------------------------------


def test_manager_verifies_a_pending_firm_of_their_incubator(personas, pending_firm):
    before = timezone.now()
    firm = actions.firm_verify(firm=pending_firm, by=personas.incubator_manager)

    firm.refresh_from_db()
    assert firm.verification == Firm.Verification.VERIFIED
    assert firm.verified_by == personas.incubator_manager
    assert firm.verified_at >= before
    event = _events(firm, "firm.verified").get()
    assert (event.from_state, event.to_state) == ("pending", "verified")
    assert event.actor == personas.incubator_manager
    assert event.firm_id == firm.pk
    assert event.incubator_id == personas.incubator.pk


def test_officer_may_verify_any_firm(personas, pending_firm):
    actions.firm_verify(firm=pending_firm, by=personas.officer)
    pending_firm.refresh_from_db()
    assert pending_firm.verification == Firm.Verification.VERIFIED


@pytest.mark.parametrize(
    "who", ["other_manager", "firm_member", "agency_consultant", "rival_consultant"]
)
def test_only_the_incubators_manager_or_an_officer_may_verify(personas, pending_firm, who):
    with pytest.raises(NotAllowed) as caught:
        actions.firm_verify(firm=pending_firm, by=getattr(personas, who))

    assert caught.value.status_code == 403
    pending_firm.refresh_from_db()
    assert pending_firm.verification == Firm.Verification.PENDING
    assert pending_firm.verified_by is None
    assert not _events(pending_firm, "firm.verified").exists()


def test_verifying_a_verified_firm_is_an_invalid_transition(personas):
    with pytest.raises(InvalidTransition) as caught:
        actions.firm_verify(firm=personas.firm, by=personas.incubator_manager)

    assert caught.value.status_code == 409
    assert personas.firm.name in _english(caught.value)
    assert _events(personas.firm, "firm.verified").count() == 1


def test_a_rejected_firm_can_be_verified_after_all(personas, pending_firm):
    actions.firm_reject(firm=pending_firm, by=personas.incubator_manager, reason="协议缺失")
    actions.firm_verify(firm=pending_firm, by=personas.incubator_manager)

    pending_firm.refresh_from_db()
    assert pending_firm.verification == Firm.Verification.VERIFIED
    assert pending_firm.verification_reason == ""
    event = _events(pending_firm, "firm.verified").get()
    assert (event.from_state, event.to_state) == ("rejected", "verified")


def test_verification_mails_the_members_only_after_commit(
    personas, pending_firm, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        actions.firm_verify(firm=pending_firm, by=personas.incubator_manager)
        assert mailoutbox == []

    assert callbacks  # the mail waits for the commit (beside the dashboards' refresh)
    for callback in callbacks:
        callback()
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["founder@pending.example"]
    assert pending_firm.name in mailoutbox[0].subject


def test_refused_verification_sends_nothing(
    personas, pending_firm, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(NotAllowed):
        actions.firm_verify(firm=pending_firm, by=personas.other_manager)
    assert mailoutbox == []


# --- firm_reject -----------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_rejection_needs_a_reason(personas, pending_firm, reason):
    with pytest.raises(InvalidTransition) as caught:
        actions.firm_reject(firm=pending_firm, by=personas.incubator_manager, reason=reason)

    assert caught.value.code == "reason_required"
    assert caught.value.field == "reason"
    pending_firm.refresh_from_db()
    assert pending_firm.verification == Firm.Verification.PENDING


def test_manager_rejects_a_pending_firm_with_reason_and_mail(
    personas, pending_firm, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        actions.firm_reject(
            firm=pending_firm, by=personas.incubator_manager, reason="  营业执照地址不在本孵化器。 "
        )

    pending_firm.refresh_from_db()
    assert pending_firm.verification == Firm.Verification.REJECTED
    assert pending_firm.verification_reason == "营业执照地址不在本孵化器。"
    event = _events(pending_firm, "firm.rejected").get()
    assert (event.from_state, event.to_state) == ("pending", "rejected")
    assert event.reason == "营业执照地址不在本孵化器。"
    assert len(mailoutbox) == 1
    assert "营业执照地址不在本孵化器。" in mailoutbox[0].body


def test_a_verified_firm_cannot_be_rejected(personas):
    with pytest.raises(InvalidTransition):
        actions.firm_reject(firm=personas.firm, by=personas.incubator_manager, reason="搬走了")
    personas.firm.refresh_from_db()
    assert personas.firm.verification == Firm.Verification.VERIFIED


def test_another_incubators_manager_cannot_reject(personas, pending_firm):
    with pytest.raises(NotAllowed):
        actions.firm_reject(firm=pending_firm, by=personas.other_manager, reason="不认识")
    assert not _events(pending_firm, "firm.rejected").exists()


# --- firm_register ---------------------------------------------------------------


def test_firm_sign_up_is_pending_and_tells_the_managers(
    personas, mailoutbox, django_capture_on_commit_callbacks
):
    fields = {
        "name": "南京新芯微电子科技有限公司",
        "credit_code": "914403001922038216",
        "district": "320106",
        "incubator": personas.incubator,
        "admitted_on": datetime.date(2025, 9, 1),
        "industry": "ic",
        "headcount": 9,
        "revenue_band": "lt1m",
    }
    with django_capture_on_commit_callbacks(execute=True):
        firm, user = actions.firm_register(
            firm_fields=fields,
            username="founder",
            email="founder@xinxin.example",
            password=PASSWORD,
        )

    assert firm.verification == Firm.Verification.PENDING
    assert user.firm == firm and user.role == User.Role.FIRM_MEMBER
    assert user.check_password(PASSWORD)
    assert _events(firm, "firm.registered").get().actor == user
    assert [mail.to for mail in mailoutbox] == [[personas.incubator_manager.email]]


def test_firm_sign_up_with_a_taken_credit_code_names_the_field(personas):
    fields = {
        "name": "冒名公司",
        "credit_code": personas.firm.credit_code,
        "district": "320106",
        "incubator": personas.incubator,
        "admitted_on": datetime.date(2025, 9, 1),
        "industry": "ic",
        "headcount": 9,
        "revenue_band": "lt1m",
    }
    with pytest.raises(ValidationError) as caught:
        actions.firm_register(
            firm_fields=fields, username="copycat", email="c@example.com", password=PASSWORD
        )
    assert "credit_code" in caught.value.message_dict
    assert not User.objects.filter(username="copycat").exists()


# --- agency_approve ----------------------------------------------------------------


def test_officer_approves_an_applied_agency(personas, applied_agency):
    approved = actions.agency_approve(agency=applied_agency, by=personas.officer)

    assert approved.status == Agency.Status.APPROVED
    assert approved.approved_at is not None
    event = _events(applied_agency, "agency.approved").get()
    assert (event.from_state, event.to_state) == ("applied", "approved")
    assert event.actor == personas.officer
    assert event.agency_id == applied_agency.pk


def test_approval_with_an_expired_licence_is_refused_with_the_date(personas):
    today = timezone.localdate()
    expired_on = today - datetime.timedelta(days=3)
    agency = AgencyFactory(
        licence_valid_from=expired_on - datetime.timedelta(days=5 * 365),
        licence_valid_until=expired_on,
    )
    before = Agency.objects.filter(pk=agency.pk).values().get()

    with pytest.raises(InvalidTransition) as caught:
        actions.agency_approve(agency=agency, by=personas.officer)

    error = caught.value
    assert error.code == "licence_invalid"
    assert error.field == "licence_valid_until"
    assert date_format(expired_on, "DATE_FORMAT") in error.message
    assert Agency.objects.filter(pk=agency.pk).values().get() == before
    assert not _events(agency, "agency.approved").exists()


def test_approval_before_the_licence_starts_names_the_start_date(personas):
    agency = AgencyFactory(
        licence_valid_from=datetime.date(2026, 7, 1),
        licence_valid_until=datetime.date(2031, 6, 30),
    )
    with pytest.raises(InvalidTransition) as caught:
        actions.agency_approve(agency=agency, by=personas.officer, today=datetime.date(2026, 6, 30))
    assert date_format(datetime.date(2026, 7, 1), "DATE_FORMAT") in caught.value.message


def test_licence_valid_through_today_may_be_approved(personas, applied_agency):
    actions.agency_approve(
        agency=applied_agency, by=personas.officer, today=applied_agency.licence_valid_until
    )
    applied_agency.refresh_from_db()
    assert applied_agency.status == Agency.Status.APPROVED


@pytest.mark.parametrize(
    "who", ["agency_consultant", "incubator_manager", "firm_member", "rival_consultant"]
)
def test_only_officers_approve_agencies(personas, applied_agency, who):
    with pytest.raises(NotAllowed):
        actions.agency_approve(agency=applied_agency, by=getattr(personas, who))
    applied_agency.refresh_from_db()
    assert applied_agency.status == Agency.Status.APPLIED


def test_approving_an_approved_agency_is_an_invalid_transition(personas):
    with pytest.raises(InvalidTransition):
        actions.agency_approve(agency=personas.agency, by=personas.officer)


def test_approval_mails_the_agency_staff_after_commit(
    personas, applied_agency, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        actions.agency_approve(agency=applied_agency, by=personas.officer)
    assert [mail.to for mail in mailoutbox] == [["admin@applicant.example"]]
    assert applied_agency.name in mailoutbox[0].subject


# --- agency_suspend / agency_reject ------------------------------------------------------


def test_suspension_needs_a_reason(personas):
    with pytest.raises(InvalidTransition) as caught:
        actions.agency_suspend(agency=personas.agency, by=personas.officer, reason=" ")
    assert caught.value.field == "reason"
    personas.agency.refresh_from_db()
    assert personas.agency.status == Agency.Status.APPROVED


def test_suspension_then_reinstatement_are_both_audited(
    personas, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        actions.agency_suspend(agency=personas.agency, by=personas.officer, reason="服务评价不合格")
    personas.agency.refresh_from_db()
    assert personas.agency.status == Agency.Status.SUSPENDED
    assert personas.agency.status_reason == "服务评价不合格"
    suspended = _events(personas.agency, "agency.suspended").get()
    assert (suspended.from_state, suspended.to_state, suspended.reason) == (
        "approved",
        "suspended",
        "服务评价不合格",
    )
    assert mailoutbox[-1].body == "服务评价不合格"

    actions.agency_approve(agency=personas.agency, by=personas.officer)
    personas.agency.refresh_from_db()
    assert personas.agency.status == Agency.Status.APPROVED
    assert personas.agency.status_reason == ""
    reinstated = _events(personas.agency, "agency.approved").order_by("-id").first()
    assert (reinstated.from_state, reinstated.to_state) == ("suspended", "approved")


def test_an_applied_agency_cannot_be_suspended(personas, applied_agency):
    with pytest.raises(InvalidTransition):
        actions.agency_suspend(agency=applied_agency, by=personas.officer, reason="未批先停")


def test_only_officers_suspend(personas):
    with pytest.raises(NotAllowed):
        actions.agency_suspend(
            agency=personas.rival_agency, by=personas.agency_consultant, reason="竞争对手"
        )
    personas.rival_agency.refresh_from_db()
    assert personas.rival_agency.status == Agency.Status.APPROVED


def test_officer_rejects_an_application_with_reason(personas, applied_agency):
    actions.agency_reject(agency=applied_agency, by=personas.officer, reason="许可证主体不一致")
    applied_agency.refresh_from_db()
    assert applied_agency.status == Agency.Status.REJECTED
    event = _events(applied_agency, "agency.rejected").get()
    assert (event.from_state, event.to_state, event.reason) == (
        "applied",
        "rejected",
        "许可证主体不一致",
    )


def test_rejection_needs_a_reason_and_an_application(personas, applied_agency):
    with pytest.raises(InvalidTransition) as caught:
        actions.agency_reject(agency=applied_agency, by=personas.officer, reason="")
    assert caught.value.code == "reason_required"
    with pytest.raises(InvalidTransition):
        actions.agency_reject(agency=personas.agency, by=personas.officer, reason="已批准")


# --- agency_register -----------------------------------------------------------------


def test_agency_sign_up_is_applied_and_tells_the_officers(
    personas, mailoutbox, django_capture_on_commit_callbacks
):
    item = ServiceItemFactory()
    fields = {
        "name": "南京新申专利代理事务所",
        "credit_code": "91110000600037341L",
        "kind": Agency.Kind.PATENT_AGENCY,
        "licence_number": "32999",
        "licence_valid_from": datetime.date(2024, 1, 1),
        "licence_valid_until": datetime.date(2029, 12, 31),
        "district": "320105",
        "yearly_capacity": 30,
    }
    with django_capture_on_commit_callbacks(execute=True):
        agency, user = actions.agency_register(
            agency_fields=fields,
            service_items=[item],
            username="new_agency",
            email="boss@xinshen.example",
            password=PASSWORD,
        )

    assert agency.status == Agency.Status.APPLIED
    assert list(agency.service_items.all()) == [item]
    assert user.is_agency_admin and user.agency == agency
    assert _events(agency, "agency.applied").get().actor == user
    assert [mail.to for mail in mailoutbox] == [[personas.officer.email]]


# --- participant_create / participant_update ----------------------------------------------


def test_officer_creates_a_firm_with_an_audit_event(personas):
    firm = FirmFactory.build(incubator=personas.incubator)
    actions.participant_create(instance=firm, by=personas.officer)

    assert firm.pk is not None
    event = _events(firm, "firm.created").get()
    assert event.actor == personas.officer
    assert event.to_state == Firm.Verification.PENDING


def test_only_officers_create_participants(personas):
    firm = FirmFactory.build(incubator=personas.incubator)
    with pytest.raises(NotAllowed):
        actions.participant_create(instance=firm, by=personas.incubator_manager)
    assert firm.pk is None


def test_update_records_the_changed_fields(personas):
    actions.participant_update(
        instance=personas.agency,
        by=personas.officer,
        changes={"yearly_capacity": 45, "expertise": "集成电路 chip design"},
    )
    personas.agency.refresh_from_db()
    assert personas.agency.yearly_capacity == 45
    event = _events(personas.agency, "agency.updated").get()
    assert event.data == {"fields": ["expertise", "yearly_capacity"]}


@pytest.mark.parametrize("field", ["status", "verification", "approved_at", "verified_by"])
def test_update_refuses_state_fields(personas, field):
    with pytest.raises(NotAllowed) as caught:
        actions.participant_update(
            instance=personas.firm, by=personas.officer, changes={field: None}
        )
    assert field in caught.value.message


def test_update_validates_like_a_form(personas):
    with pytest.raises(ValidationError) as caught:
        actions.participant_update(
            instance=personas.firm, by=personas.officer, changes={"credit_code": "123"}
        )
    assert "credit_code" in caught.value.message_dict
    assert not _events(personas.firm, "firm.updated").exists()


def test_every_action_error_has_a_status_and_a_code():
    for error_class, status in ((ActionError, 400), (InvalidTransition, 409), (NotAllowed, 403)):
        error = error_class("message", code="some_code", field="reason")
        assert (error.status_code, error.code, error.field, error.message) == (
            status,
            "some_code",
            "reason",
            "message",
        )

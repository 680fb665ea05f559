import datetime

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent, Notification
from marketplace import actions
from marketplace.models import (
    Agency,
    AgencyChange,
    AllocationRun,
    ConflictOfInterest,
    CustodyRequest,
    Engagement,
    Firm,
    Offer,
    User,
)
from tests.factories import AgencyFactory, FirmFactory, ServiceItemFactory, UserFactory
from tests.marketplace.conftest import NOW

pytestmark = pytest.mark.django_db

MARKETPLACE_MODELS = [
    model for model in admin.site._registry if model._meta.app_label in {"core", "marketplace"}
]
# States change through marketplace.actions only, so these cannot be added or edited here.
READ_ONLY_MODELS = {
    AuditEvent,
    CustodyRequest,
    Offer,
    Engagement,
    AgencyChange,
    AllocationRun,
    Notification,
}


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _messages(response):
    return [(message.level_tag, str(message)) for message in response.context["messages"]]


@pytest.fixture
def admin_officer(db):
    return UserFactory(
        username="admin_officer",
        role=User.Role.PROGRAMME_OFFICER,
        is_staff=True,
        is_superuser=True,
    )


@pytest.fixture
def officer_client(client, admin_officer):
    client.force_login(admin_officer)
    return client


def test_every_participant_reference_and_contracting_model_is_registered():
    names = {model.__name__ for model in MARKETPLACE_MODELS}
    assert {
        "User",
        "HighTechPark",
        "Incubator",
        "Firm",
        "Agency",
        "ServiceItem",
        "ProgrammeYear",
        "AuditEvent",
        "CustodyRequest",
        "Offer",
        "Engagement",
        "AgencyChange",
        "AllocationRun",
        "Notification",
        "ConflictOfInterest",
    } <= names


@pytest.mark.parametrize("model", MARKETPLACE_MODELS, ids=lambda model: model.__name__)
def test_add_pages_open_except_for_read_only_models(officer_client, model):
    expected = 403 if model in READ_ONLY_MODELS else 200
    assert officer_client.get(_url(model, "add")).status_code == expected


def test_adding_a_user_sets_role_and_membership(officer_client, personas):
    response = officer_client.post(
        _url(User, "add"),
        {
            "username": "new_manager",
            "usable_password": "true",
            "password1": "a-long-enough-passphrase-42",
            "password2": "a-long-enough-passphrase-42",
            "email": "new@incubator.example",
            "display_name": "新经理",
            "role": User.Role.INCUBATOR_MANAGER,
            "incubator": personas.incubator.pk,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(username="new_manager")
    assert user.is_incubator_manager and user.incubator == personas.incubator
    assert user.check_password("a-long-enough-passphrase-42")


def test_a_membership_that_does_not_match_the_role_is_refused(officer_client, personas):
    response = officer_client.post(
        _url(User, "add"),
        {
            "username": "confused",
            "usable_password": "true",
            "password1": "a-long-enough-passphrase-42",
            "password2": "a-long-enough-passphrase-42",
            "role": User.Role.AGENCY_STAFF,
            "firm": personas.firm.pk,
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not User.objects.filter(username="confused").exists()


def test_state_fields_are_read_only(officer_client, personas):
    response = officer_client.get(_url(Firm, "change", personas.firm.pk))
    form = response.context["adminform"].form
    assert "verification" not in form.fields
    assert "verified_by" not in form.fields
    response = officer_client.get(_url(Agency, "change", personas.agency.pk))
    assert "status" not in response.context["adminform"].form.fields


# --- admin actions call marketplace.actions --------------------------------------------------


def test_approve_action_approves_and_reports_an_expired_licence(officer_client, admin_officer):
    today = timezone.localdate()
    ready = AgencyFactory(name="合格专利事务所")
    expired_on = today - datetime.timedelta(days=10)
    expired = AgencyFactory(
        name="过期专利事务所",
        licence_valid_from=expired_on - datetime.timedelta(days=1000),
        licence_valid_until=expired_on,
    )

    response = officer_client.post(
        _url(Agency, "changelist"),
        {"action": "approve", "_selected_action": [ready.pk, expired.pk]},
        follow=True,
    )

    ready.refresh_from_db()
    expired.refresh_from_db()
    assert ready.status == Agency.Status.APPROVED
    assert expired.status == Agency.Status.APPLIED
    event = AuditEvent.objects.get(action="agency.approved", subject_id=str(ready.pk))
    assert event.actor == admin_officer
    messages = _messages(response)
    errors = [text for level, text in messages if level == "error"]
    assert len(errors) == 1
    assert str(expired) in errors[0]
    assert str(expired_on.year) in errors[0]
    assert any(level == "success" for level, _text in messages)


def test_verify_action_verifies_pending_firms_and_reports_verified_ones(
    officer_client, personas, admin_officer
):
    pending = FirmFactory(incubator=personas.incubator)

    response = officer_client.post(
        _url(Firm, "changelist"),
        {"action": "verify", "_selected_action": [pending.pk, personas.firm.pk]},
        follow=True,
    )

    pending.refresh_from_db()
    assert pending.verification == Firm.Verification.VERIFIED
    assert pending.verified_by == admin_officer
    assert AuditEvent.objects.filter(action="firm.verified", subject_id=str(pending.pk)).exists()
    errors = [text for level, text in _messages(response) if level == "error"]
    assert len(errors) == 1 and personas.firm.name in errors[0]


# --- saving participants writes audit events ------------------------------------------------


def test_adding_a_firm_in_the_admin_is_audited(officer_client, personas, admin_officer):
    response = officer_client.post(
        _url(Firm, "add"),
        {
            "name": "南京后台录入科技有限公司",
            "credit_code": "914403001922038216",
            "incubator": personas.incubator.pk,
            "district": "320106",
            "admitted_on": "2025-05-06",
            "industry": "ai",
            "headcount": "7",
            "revenue_band": "lt1m",
            "description": "",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    firm = Firm.objects.get(credit_code="914403001922038216")
    assert firm.verification == Firm.Verification.PENDING
    event = AuditEvent.objects.get(action="firm.created", subject_id=str(firm.pk))
    assert event.actor == admin_officer


def test_an_invalid_credit_code_is_shown_on_the_form(officer_client, personas):
    response = officer_client.post(
        _url(Firm, "add"),
        {
            "name": "错号公司",
            "credit_code": "91320000134762153E",
            "incubator": personas.incubator.pk,
            "district": "320106",
            "admitted_on": "2025-05-06",
            "industry": "ai",
            "headcount": "7",
            "revenue_band": "lt1m",
        },
    )
    assert response.status_code == 200
    assert "credit_code" in response.context["adminform"].form.errors
    assert not AuditEvent.objects.filter(action="firm.created").exists()


def test_changing_an_agency_in_the_admin_is_audited_and_keeps_its_status(
    officer_client, personas, admin_officer
):
    agency = personas.agency
    item = ServiceItemFactory()
    response = officer_client.post(
        _url(Agency, "change", agency.pk),
        {
            "name": agency.name,
            "name_en": agency.name_en,
            "credit_code": agency.credit_code,
            "kind": agency.kind,
            "district": agency.district,
            "licence_number": agency.licence_number,
            "licence_valid_from": agency.licence_valid_from.isoformat(),
            "licence_valid_until": agency.licence_valid_until.isoformat(),
            "service_items": [item.pk],
            "industries": ["ic", "ai"],
            "districts_served": agency.districts_served,
            "expertise": agency.expertise,
            "expertise_en": agency.expertise_en,
            "yearly_capacity": "55",
            # Read-only in the form, so ignored: states change through actions only.
            "status": "suspended",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    agency.refresh_from_db()
    assert agency.status == Agency.Status.APPROVED
    assert agency.yearly_capacity == 55
    assert agency.industries == ["ic", "ai"]
    assert list(agency.service_items.all()) == [item]
    event = AuditEvent.objects.get(action="agency.updated", subject_id=str(agency.pk))
    assert event.actor == admin_officer
    assert event.data == {"fields": ["industries", "service_items", "yearly_capacity"]}


def test_saving_without_changes_writes_no_event(officer_client, personas):
    incubator = personas.incubator
    response = officer_client.post(
        _url(type(incubator), "change", incubator.pk),
        {
            "name": incubator.name,
            "name_en": incubator.name_en,
            "level": incubator.level,
            "district": incubator.district,
            "park": "",
            "address": incubator.address,
        },
    )
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action="incubator.updated").exists()


def test_staff_who_are_not_officers_cannot_add_or_change_participants(client, personas):
    clerk = UserFactory(username="clerk", is_staff=True)
    clerk.user_permissions.set(
        Permission.objects.filter(codename__in=["add_firm", "change_firm", "view_firm"])
    )
    client.force_login(clerk)
    assert client.get(_url(Firm, "changelist")).status_code == 200
    assert client.get(_url(Firm, "add")).status_code == 403
    response = client.get(_url(Firm, "change", personas.firm.pk))
    assert b'name="_save"' not in response.content


# --- contracting ------------------------------------------------------------------------


@pytest.fixture
def overdue_offer(personas, programme):
    request = actions.request_submit(
        firm=personas.firm,
        by=personas.firm_member,
        programme_year=programme,
        quotas=programme.standard_quotas,
        today=NOW.date(),
    )
    # Sent in March: its three working days ran out long ago.
    return actions.offer_make(
        request=request, agency=personas.agency, by=personas.firm_member, now=NOW
    )


def test_expire_action_expires_overdue_offers_through_the_action(
    officer_client, overdue_offer, personas
):
    listed = officer_client.get(_url(Offer, "changelist"), {"deadline": "overdue"})
    assert [offer.pk for offer in listed.context["cl"].result_list] == [overdue_offer.pk]

    response = officer_client.post(
        _url(Offer, "changelist"),
        {"action": "expire_overdue", "_selected_action": [overdue_offer.pk]},
        follow=True,
    )

    overdue_offer.refresh_from_db()
    assert overdue_offer.status == Offer.Status.EXPIRED
    assert overdue_offer.request.status == CustodyRequest.Status.OPEN
    assert AuditEvent.objects.filter(action="offer.expired", subject_id=str(overdue_offer.pk))
    assert Notification.objects.filter(user=personas.firm_member, kind="offer_expired").exists()
    assert ("success", "1 overdue offer expired.") in _messages(response)


def test_staff_who_are_not_officers_cannot_expire_offers(client, overdue_offer):
    clerk = UserFactory(username="clerk", is_staff=True)
    clerk.user_permissions.set(Permission.objects.filter(codename="view_offer"))
    client.force_login(clerk)
    response = client.get(_url(Offer, "changelist"))
    assert response.status_code == 200
    assert "expire_overdue" not in response.context["cl"].model_admin.get_actions(
        response.wsgi_request
    )
    client.post(
        _url(Offer, "changelist"),
        {"action": "expire_overdue", "_selected_action": [overdue_offer.pk]},
    )
    overdue_offer.refresh_from_db()
    assert overdue_offer.status == Offer.Status.PENDING


def test_officers_declare_conflicts_of_interest(officer_client, personas):
    response = officer_client.post(
        _url(ConflictOfInterest, "add"),
        {"agency": personas.agency.pk, "firm": personas.firm.pk, "note": "代理竞争对手"},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    conflict = ConflictOfInterest.objects.get()
    assert (conflict.agency, conflict.firm) == (personas.agency, personas.firm)

    duplicate = officer_client.post(
        _url(ConflictOfInterest, "add"),
        {"agency": personas.agency.pk, "firm": personas.firm.pk, "note": ""},
    )
    assert duplicate.status_code == 200
    assert ConflictOfInterest.objects.count() == 1


def test_staff_who_are_not_officers_cannot_declare_conflicts(client, personas):
    clerk = UserFactory(username="clerk", is_staff=True)
    clerk.user_permissions.set(
        Permission.objects.filter(
            codename__in=["add_conflictofinterest", "view_conflictofinterest"]
        )
    )
    client.force_login(clerk)
    assert client.get(_url(ConflictOfInterest, "changelist")).status_code == 200
    assert client.get(_url(ConflictOfInterest, "add")).status_code == 403

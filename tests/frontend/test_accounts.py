import datetime
import re

import pytest
from django.contrib.auth import get_user
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from marketplace.credit_codes import make_credit_code
from marketplace.models import Agency, Firm, User
from tests.factories import PASSWORD, IncubatorFactory

pytestmark = pytest.mark.django_db


def _wrong_check_character(code):
    return code[:-1] + ("1" if code[-1] != "1" else "2")


# --- Log in, log out, passwords -------------------------------------------------------


def test_login_form_lands_on_the_role_home(client, personas):
    response = client.post(
        reverse("frontend:login"), {"username": "alice", "password": PASSWORD}, follow=True
    )

    assert response.redirect_chain == [
        (reverse("frontend:role-home"), 302),
        (reverse("frontend:firm-home"), 302),
    ]
    assert get_user(client) == personas.firm_member


def test_login_with_a_wrong_password_says_so(client, personas):
    response = client.post(reverse("frontend:login"), {"username": "alice", "password": "nope"})

    assert response.status_code == 200
    assert not get_user(client).is_authenticated
    assert "alert-danger" in response.text


def test_logout_is_a_post_and_returns_home(client, personas):
    client.force_login(personas.officer)

    response = client.post(reverse("frontend:logout"))

    assert response.url == reverse("frontend:home")
    assert not get_user(client).is_authenticated


def test_signed_in_user_sees_the_logout_form(client, personas):
    client.force_login(personas.officer)

    response = client.get(reverse("frontend:home"))

    assert f'action="{reverse("frontend:logout")}"' in response.text


def test_password_reset_sends_a_working_link(
    client, personas, mailoutbox, django_capture_on_commit_callbacks
):
    # Through the outbox: queued with the request, sent once it commits.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("frontend:password-reset"), {"email": "alice@example.com"})

    assert response.url == reverse("frontend:password-reset-done")
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["alice@example.com"]
    assert '"alice"' in message.body
    link = re.search(r"https?://testserver(/password/reset/\S+/\S+/)", message.body).group(1)

    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"]
    done = client.post(
        form_page.redirect_chain[-1][0],
        {
            "new_password1": "a-new-and-long-passphrase",
            "new_password2": "a-new-and-long-passphrase",
        },
    )

    assert done.url == reverse("frontend:password-reset-complete")
    personas.firm_member.refresh_from_db()
    assert personas.firm_member.check_password("a-new-and-long-passphrase")


def test_password_reset_for_an_unknown_address_sends_nothing(client, personas, mailoutbox):
    response = client.post(reverse("frontend:password-reset"), {"email": "nobody@example.com"})

    # The same answer as for a known address, so addresses cannot be probed.
    assert response.url == reverse("frontend:password-reset-done")
    assert mailoutbox == []


def test_password_change(client, personas):
    client.force_login(personas.firm_member)

    response = client.post(
        reverse("frontend:password-change"),
        {
            "old_password": PASSWORD,
            "new_password1": "another-long-passphrase",
            "new_password2": "another-long-passphrase",
        },
    )

    assert response.url == reverse("frontend:role-home")
    personas.firm_member.refresh_from_db()
    assert personas.firm_member.check_password("another-long-passphrase")


# --- Firm sign-up --------------------------------------------------------------------------


@pytest.fixture
def firm_signup(personas):
    return {
        "name": "新芯微电子",
        "credit_code": make_credit_code(123_456),
        "incubator": personas.incubator.pk,
        "district": "320115",
        "industry": "ic",
        "admitted_on": "2025-06-01",
        "headcount": "8",
        "revenue_band": "lt1m",
        "description": "RISC-V chips",
        "display_name": "陈芯",
        "username": "chen",
        "email": "chen@example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }


def test_firm_signup_creates_a_pending_firm_and_signs_in(
    client, personas, firm_signup, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("frontend:signup-firm"), firm_signup, follow=True)

    firm = Firm.objects.get(name="新芯微电子")
    user = User.objects.get(username="chen")
    assert firm.verification == Firm.Verification.PENDING
    assert firm.incubator == personas.incubator
    assert user.firm == firm
    assert user.role == User.Role.FIRM_MEMBER
    assert get_user(client) == user
    assert response.redirect_chain[-1][0] == reverse("frontend:firm-home")
    assert 'data-testid="verification-status"' in response.text
    assert "Waiting for your incubator." in response.text
    event = AuditEvent.objects.get(action="firm.registered")
    assert (event.firm, event.actor, event.to_state) == (firm, user, "pending")
    assert [m.to for m in mailoutbox] == [[personas.incubator_manager.email]]


def test_firm_signup_accepts_a_pasted_code_with_spaces(client, personas, firm_signup):
    code = firm_signup["credit_code"]
    firm_signup["credit_code"] = f" {code[:6].lower()} {code[6:]} "

    client.post(reverse("frontend:signup-firm"), firm_signup)

    assert Firm.objects.get(name="新芯微电子").credit_code == code


def test_firm_signup_with_a_bad_credit_code_names_the_field_and_saves_nothing(
    client, personas, firm_signup
):
    firms, users = Firm.objects.count(), User.objects.count()
    code = firm_signup["credit_code"]
    firm_signup["credit_code"] = _wrong_check_character(code)

    response = client.post(reverse("frontend:signup-firm"), firm_signup)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["credit_code"]
    assert errors["credit_code"] == [
        f"The check character is {firm_signup['credit_code'][-1]} but should be {code[-1]}; "
        "please re-check the code."
    ]
    assert "is-invalid" in response.text
    assert (Firm.objects.count(), User.objects.count()) == (firms, users)
    assert not get_user(client).is_authenticated


def test_firm_signup_with_a_short_credit_code_says_how_long_it_is(client, personas, firm_signup):
    firm_signup["credit_code"] = "91320102ABC"

    response = client.post(reverse("frontend:signup-firm"), firm_signup)

    assert response.context["form"].errors["credit_code"] == [
        "A unified social credit code has 18 characters; this one has 11."
    ]


def test_firm_signup_with_a_taken_credit_code_says_another_firm_holds_it(
    client, personas, firm_signup
):
    firm_signup["credit_code"] = personas.other_firm.credit_code

    response = client.post(reverse("frontend:signup-firm"), firm_signup)

    assert response.context["form"].errors["credit_code"] == [
        "Another firm already holds this credit code."
    ]
    assert not User.objects.filter(username="chen").exists()


def test_firm_signup_with_a_taken_user_name_saves_no_firm(client, personas, firm_signup):
    """The firm passes the form; the action refuses the user and rolls the firm back."""
    firm_signup["username"] = "alice"

    response = client.post(reverse("frontend:signup-firm"), firm_signup)

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["username"]
    assert not Firm.objects.filter(name="新芯微电子").exists()
    assert not AuditEvent.objects.filter(action="firm.registered").exists()


def test_firm_signup_passwords_must_match_and_be_strong(client, personas, firm_signup):
    firm_signup["password2"] = "something-else-entirely"
    differ = client.post(reverse("frontend:signup-firm"), firm_signup).context["form"].errors
    firm_signup["password1"] = firm_signup["password2"] = "12345678"
    weak = client.post(reverse("frontend:signup-firm"), firm_signup).context["form"].errors

    assert list(differ) == ["password2"]
    assert list(weak) == ["password1"]
    assert not Firm.objects.filter(name="新芯微电子").exists()


def test_firm_signup_offers_only_programme_level_incubators(client, personas, firm_signup):
    municipal = IncubatorFactory(level="municipal")

    page = client.get(reverse("frontend:signup-firm"))
    firm_signup["incubator"] = municipal.pk
    response = client.post(reverse("frontend:signup-firm"), firm_signup)

    offered = set(page.context["form"].fields["incubator"].queryset)
    assert offered == {personas.incubator, personas.other_incubator}
    assert "incubator" in response.context["form"].errors
    assert not Firm.objects.filter(name="新芯微电子").exists()


def test_firm_signup_refuses_an_admission_date_in_the_future(client, personas, firm_signup):
    firm_signup["admitted_on"] = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()

    response = client.post(reverse("frontend:signup-firm"), firm_signup)

    assert list(response.context["form"].errors) == ["admitted_on"]


def test_signup_pages_send_signed_in_users_home(client, personas):
    client.force_login(personas.firm_member)

    for name in ("frontend:signup-firm", "frontend:signup-agency"):
        response = client.get(reverse(name))
        assert response.url == reverse("frontend:role-home")


# --- Agency sign-up ------------------------------------------------------------------------


@pytest.fixture
def agency_signup(personas, catalogue):
    today = timezone.localdate()
    return {
        "name": "紫金知识产权代理",
        "name_en": "Zijin IP Agency",
        "credit_code": make_credit_code(654_321, region="320105"),
        "kind": "patent_agency",
        "licence_number": "32999",
        "licence_valid_from": (today - datetime.timedelta(days=400)).isoformat(),
        "licence_valid_until": (today + datetime.timedelta(days=800)).isoformat(),
        "district": "320105",
        "service_items": [catalogue["consulting"].pk, catalogue["filing"].pk],
        "industries": ["ic", "ai"],
        "districts_served": ["320105", "320115"],
        "expertise": "Semiconductor patents",
        "yearly_capacity": "30",
        "display_name": "",
        "username": "zijin",
        "email": "office@zijin.example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }


def test_agency_signup_creates_an_application_and_signs_in(
    client, personas, catalogue, agency_signup, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("frontend:signup-agency"), agency_signup, follow=True)

    agency = Agency.objects.get(name="紫金知识产权代理")
    user = User.objects.get(username="zijin")
    assert agency.status == Agency.Status.APPLIED
    assert set(agency.service_items.all()) == {catalogue["consulting"], catalogue["filing"]}
    assert agency.industries == ["ic", "ai"]
    assert agency.districts_served == ["320105", "320115"]
    assert (user.agency, user.is_agency_admin) == (agency, True)
    assert get_user(client) == user
    assert response.redirect_chain[-1][0] == reverse("frontend:agency-home")
    assert "Your application is being reviewed." in response.text
    event = AuditEvent.objects.get(action="agency.applied")
    assert (event.agency, event.actor, event.to_state) == (agency, user, "applied")
    assert [m.to for m in mailoutbox] == [[personas.officer.email]]


def test_agency_signup_groups_active_items_by_custody_area(client, catalogue):
    form = client.get(reverse("frontend:signup-agency")).context["form"]

    groups = [
        (str(area), [option.data["value"].instance for option in options])
        for area, options in form.service_items_by_area()
    ]

    # Catalogue order of the areas, and the retired item left out.
    assert groups == [
        ("Consulting", [catalogue["consulting"]]),
        ("Filing and registration", [catalogue["filing"]]),
        ("Protection and enforcement", [catalogue["protection"]]),
    ]


def test_agency_signup_with_a_bad_credit_code_saves_nothing(client, personas, agency_signup):
    agencies = Agency.objects.count()
    agency_signup["credit_code"] = "91320105ABCDEFGHIO"

    response = client.post(reverse("frontend:signup-agency"), agency_signup)

    assert list(response.context["form"].errors) == ["credit_code"]
    assert "capital letters other than I, O, S, V and Z" in response.text
    assert Agency.objects.count() == agencies
    assert not User.objects.filter(username="zijin").exists()


def test_agency_signup_with_a_taken_credit_code(client, personas, agency_signup):
    agency_signup["credit_code"] = personas.agency.credit_code

    response = client.post(reverse("frontend:signup-agency"), agency_signup)

    assert response.context["form"].errors["credit_code"] == [
        "Another agency already holds this credit code."
    ]


def test_agency_signup_refuses_an_expired_licence_with_its_date(client, personas, agency_signup):
    agency_signup["licence_valid_until"] = "2024-03-31"
    agency_signup["licence_valid_from"] = "2019-04-01"

    response = client.post(reverse("frontend:signup-agency"), agency_signup)

    assert list(response.context["form"].errors) == ["licence_valid_until"]
    assert "This licence expired on March 31, 2024" in response.text
    assert not Agency.objects.filter(name="紫金知识产权代理").exists()


def test_agency_signup_refuses_a_licence_ending_before_it_starts(client, personas, agency_signup):
    agency_signup["licence_valid_from"] = (
        timezone.localdate() + datetime.timedelta(days=900)
    ).isoformat()

    response = client.post(reverse("frontend:signup-agency"), agency_signup)

    assert list(response.context["form"].errors) == ["licence_valid_until"]


def test_agency_signup_needs_services_industries_and_districts(client, personas, agency_signup):
    for name in ("service_items", "industries", "districts_served"):
        del agency_signup[name]

    response = client.post(reverse("frontend:signup-agency"), agency_signup)

    errors = response.context["form"].errors
    assert errors["service_items"] == ["Pick at least one service item you deliver."]
    assert errors["industries"] == ["Pick at least one industry."]
    assert errors["districts_served"] == ["Pick at least one district."]

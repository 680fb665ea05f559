import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from cms import actions, selectors
from cms.models import EventRegistration
from core.errors import InvalidTransition, NotAllowed
from core.models import AuditEvent
from tests.cms.conftest import make_event, translate
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(tree):
    return make_event(tree.training["en"], capacity=2)


@pytest.fixture
def members(personas):
    """Four firm members: Alice, Bob and two colleagues of Alice."""
    extra = [
        UserFactory(username=f"colleague{n}", role="firm_member", firm=personas.firm)
        for n in range(2)
    ]
    return [personas.firm_member, personas.other_firm_member, *extra]


def test_firm_member_takes_a_free_place(event, personas):
    registration = actions.event_register(event=event, by=personas.firm_member)

    assert registration.status == EventRegistration.Status.REGISTERED
    assert registration.firm == personas.firm
    assert selectors.event_counts(event) == {"registered": 1, "waitlisted": 0, "free": 1}
    assert AuditEvent.objects.filter(action="event.registered", firm=personas.firm).exists()


def test_full_event_puts_people_on_the_waiting_list_in_order(event, members):
    first, second, third, fourth = (actions.event_register(event=event, by=m) for m in members)

    assert [r.status for r in (first, second, third, fourth)] == [
        "registered",
        "registered",
        "waitlisted",
        "waitlisted",
    ]
    assert selectors.waiting_position(third) == 1
    assert selectors.waiting_position(fourth) == 2


def test_cancelling_frees_the_place_for_the_head_of_the_waiting_list(event, members, mailoutbox):
    first, _second, third, fourth = (actions.event_register(event=event, by=m) for m in members)
    third.user.email = "third@example.com"
    third.user.save()

    promoted = actions.event_registration_cancel(registration=first, by=first.user)

    assert promoted.pk == third.pk
    third.refresh_from_db()
    fourth.refresh_from_db()
    first.refresh_from_db()
    assert first.status == "cancelled"
    assert third.status == "registered"
    assert selectors.waiting_position(fourth) == 1
    assert selectors.event_counts(event)["free"] == 0


def test_leaving_the_waiting_list_promotes_nobody(event, members):
    regs = [actions.event_register(event=event, by=m) for m in members]

    promoted = actions.event_registration_cancel(registration=regs[2], by=regs[2].user)

    assert promoted is None
    assert selectors.event_counts(event) == {"registered": 2, "waitlisted": 1, "free": 0}


def test_one_registration_per_person(event, personas):
    actions.event_register(event=event, by=personas.firm_member)

    with pytest.raises(InvalidTransition) as error:
        actions.event_register(event=event, by=personas.firm_member)

    assert error.value.code == "already_registered"


def test_registering_again_after_cancelling(event, personas):
    registration = actions.event_register(event=event, by=personas.firm_member)
    actions.event_registration_cancel(registration=registration, by=personas.firm_member)

    again = actions.event_register(event=event, by=personas.firm_member)

    assert again.status == "registered"


def test_registration_after_the_deadline_is_refused_with_the_date(tree, personas):
    event = make_event(
        tree.training["en"],
        registration_deadline=timezone.make_aware(datetime.datetime(2031, 5, 4, 18, 0)),
        starts_at=timezone.make_aware(datetime.datetime(2031, 5, 6, 9, 0)),
        ends_at=timezone.make_aware(datetime.datetime(2031, 5, 6, 12, 0)),
    )

    with (
        time_machine.travel(datetime.datetime(2031, 5, 5, tzinfo=datetime.UTC)),
        pytest.raises(InvalidTransition) as error,
    ):
        actions.event_register(event=event, by=personas.firm_member)

    assert error.value.code == "registration_closed"
    assert "Registration closed on May 4, 2031" in error.value.message


@pytest.mark.parametrize("persona", ["agency_consultant", "incubator_manager", "officer"])
def test_only_firm_members_register(event, personas, persona):
    with pytest.raises(NotAllowed):
        actions.event_register(event=event, by=getattr(personas, persona))


def test_only_the_participant_cancels(event, personas):
    registration = actions.event_register(event=event, by=personas.firm_member)

    with pytest.raises(NotAllowed):
        actions.event_registration_cancel(registration=registration, by=personas.other_firm_member)


def test_no_cancelling_once_the_event_started(event, personas):
    registration = actions.event_register(event=event, by=personas.firm_member)

    with (
        time_machine.travel(event.starts_at + datetime.timedelta(minutes=5)),
        pytest.raises(InvalidTransition),
    ):
        actions.event_registration_cancel(registration=registration, by=personas.firm_member)


def test_translations_share_one_list_of_places(event, tree, personas):
    chinese = translate(event, tree.zh, title="专利工作坊")

    actions.event_register(event=event, by=personas.firm_member)
    registration = actions.event_register(event=chinese, by=personas.other_firm_member)

    assert registration.event_id == event.pk
    assert selectors.event_counts(selectors.canonical_event(chinese))["registered"] == 2


def test_organiser_marks_attendance_after_the_start(event, personas):
    organiser = UserFactory(role="cms_editor")
    event.organiser = organiser
    event.save_revision().publish()
    registration = actions.event_register(event=event, by=personas.firm_member)

    with pytest.raises(InvalidTransition):
        actions.event_attendance_mark(registration=registration, attended=True, by=organiser)
    with time_machine.travel(event.starts_at + datetime.timedelta(hours=1)):
        marked = actions.event_attendance_mark(
            registration=registration, attended=True, by=organiser
        )

    assert marked.attended is True
    assert marked.attendance_marked_by == organiser


def test_only_organisers_mark_attendance(event, personas):
    registration = actions.event_register(event=event, by=personas.firm_member)

    with time_machine.travel(event.starts_at + datetime.timedelta(hours=1)):
        with pytest.raises(NotAllowed):
            actions.event_attendance_mark(
                registration=registration, attended=True, by=personas.agency_consultant
            )
        officer_mark = actions.event_attendance_mark(
            registration=registration, attended=True, by=personas.officer
        )

    assert officer_mark.attended


def test_people_on_the_waiting_list_cannot_be_marked_present(event, members, personas):
    regs = [actions.event_register(event=event, by=m) for m in members]

    with (
        time_machine.travel(event.starts_at + datetime.timedelta(hours=1)),
        pytest.raises(InvalidTransition),
    ):
        actions.event_attendance_mark(registration=regs[3], attended=True, by=personas.officer)


def test_attendance_of_a_firm_is_kept_for_its_service_records(event, personas, open_year):
    registration = actions.event_register(event=event, by=personas.firm_member)
    actions.event_register(event=event, by=personas.other_firm_member)
    with time_machine.travel(event.starts_at + datetime.timedelta(hours=1)):
        actions.event_attendance_mark(registration=registration, attended=True, by=personas.officer)

    rows = selectors.training_attendance_for(personas.firm)

    assert [(row["registration"].pk, row["engagement"]) for row in rows] == [
        (registration.pk, None)
    ]
    assert selectors.training_attendance_for(personas.other_firm) == []


# --- Through the browser's forms --------------------------------------------------------


def test_register_button_for_a_full_event_says_waiting_list(client, event, members):
    for member in members[1:3]:
        actions.event_register(event=event, by=member)
    client.force_login(members[0])

    response = client.post(reverse("cms:event-register", args=[event.pk]), follow=True)

    assert "The event is full, so you are on the waiting list (number 1)" in response.text
    assert 'data-testid="registration-status"' in response.text
    assert "You are number 1 on the waiting list." in response.text


def test_register_after_deadline_shows_the_date(client, tree, personas):
    deadline = timezone.now() - datetime.timedelta(hours=3)
    event = make_event(tree.training["en"], registration_deadline=deadline, starts_in_days=1)
    client.force_login(personas.firm_member)

    response = client.post(reverse("cms:event-register", args=[event.pk]), follow=True)

    shown = date_format(timezone.localtime(deadline), "DATETIME_FORMAT")
    assert f"Registration closed on {shown}." in response.text
    assert not EventRegistration.objects.exists()


def test_cancel_button_only_works_for_the_participant(client, event, personas):
    registration = actions.event_register(event=event, by=personas.firm_member)
    client.force_login(personas.other_firm_member)

    response = client.post(reverse("cms:registration-cancel", args=[registration.pk]))

    assert response.status_code == 404


def test_attendance_form_marks_the_ticked_participants(client, event, members, personas):
    regs = [actions.event_register(event=event, by=m) for m in members[:2]]
    client.force_login(personas.officer)

    with time_machine.travel(event.starts_at + datetime.timedelta(hours=1)):
        page = client.get(event.url)
        response = client.post(
            reverse("cms:event-attendance", args=[event.pk]), {"present": [regs[1].pk]}
        )

    assert 'data-testid="attendance"' in page.text
    assert response.status_code == 302
    assert [r.attended for r in EventRegistration.objects.order_by("pk")] == [False, True]


def test_attendance_form_is_hidden_from_participants(client, event, personas):
    actions.event_register(event=event, by=personas.firm_member)
    client.force_login(personas.firm_member)

    assert 'data-testid="attendance"' not in client.get(event.url).text
    response = client.post(reverse("cms:event-attendance", args=[event.pk]), {"present": []})
    assert response.status_code == 404


def test_anonymous_visitors_are_asked_to_log_in_to_register(client, event):
    response = client.get(event.url)

    assert "Log in to register" in response.text
    register = client.post(reverse("cms:event-register", args=[event.pk]))
    assert register.status_code == 302
    assert register.url.startswith(reverse("frontend:login"))


def test_online_link_is_shown_to_registered_participants_only(client, tree, personas):
    event = make_event(tree.training["en"], venue="", online_url="https://meet.example.cn/x")
    client.force_login(personas.firm_member)
    assert "https://meet.example.cn/x" not in client.get(event.url).text

    actions.event_register(event=event, by=personas.firm_member)

    assert "https://meet.example.cn/x" in client.get(event.url).text


def test_event_validation_names_the_fields(tree):
    from django.core.exceptions import ValidationError

    from cms.models import TrainingEventPage

    starts = timezone.now()
    event = TrainingEventPage(
        title="x",
        slug="x",
        summary="x",
        starts_at=starts,
        ends_at=starts - datetime.timedelta(hours=1),
        capacity=1,
        registration_deadline=starts + datetime.timedelta(hours=1),
    )
    with pytest.raises(ValidationError) as error:
        event.clean()

    assert set(error.value.message_dict) == {"ends_at", "registration_deadline", "venue"}

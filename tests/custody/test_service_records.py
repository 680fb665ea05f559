"""Service records: the agency logs against the quotas, the firm confirms or disputes,
training attendance counts by itself."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from cms import actions as cms_actions
from core.errors import ActionError, InvalidTransition, NotAllowed
from core.models import AuditEvent, Notification
from custody import service_actions, service_selectors
from custody.models import EvidenceFile, ServiceRecord
from marketplace.models import EngagementItem
from tests.cms.conftest import make_event, tree  # noqa: F401 (fixture reused here)
from tests.custody.service_helpers import html_disguised_as_pdf, pdf, temporary_private_storage
from tests.marketplace.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_storage(tmp_path, monkeypatch):
    return temporary_private_storage(tmp_path, monkeypatch)


@pytest.fixture
def day(engagement):
    return engagement.starts_on + datetime.timedelta(days=10)


@pytest.fixture
def consulting(engagement):
    return engagement.items.get(service_item__area="consulting")


@pytest.fixture
def training(engagement):
    return engagement.items.get(service_item__area="training")


def log(engagement, item, personas, day, quantity=1, by=None, files=(), **extra):
    return service_actions.service_record_log(
        engagement=engagement,
        item=item,
        quantity=quantity,
        delivered_on=extra.pop("delivered_on", day),
        description=extra.pop("description", "专利挖掘咨询"),
        by=by or personas.agency_consultant,
        files=files,
        today=extra.pop("today", day),
    )


def test_agency_logs_a_delivery_with_evidence(
    personas, engagement, consulting, day, private_storage
):
    record = log(engagement, consulting, personas, day, files=[pdf("minutes.pdf")])

    assert record.status == ServiceRecord.Status.PENDING
    assert record.logged_by == personas.agency_consultant
    stored = record.evidence.get()
    assert (stored.name, stored.content_type) == ("minutes.pdf", "application/pdf")
    assert private_storage.exists(stored.file.name)
    assert AuditEvent.objects.filter(action="service.logged", firm=personas.firm).exists()
    assert Notification.objects.filter(user=personas.firm_member, kind="service_logged").exists()


def test_a_disguised_file_is_refused_by_name_and_nothing_is_stored(
    personas, engagement, consulting, day, private_storage
):
    with pytest.raises(ValidationError) as refused:
        log(engagement, consulting, personas, day, files=[pdf(), html_disguised_as_pdf()])

    assert "invoice.pdf" in str(refused.value)
    assert not ServiceRecord.objects.exists()
    assert not EvidenceFile.objects.exists()


def test_quota_left_counts_pending_and_confirmed(personas, engagement, consulting, day):
    first = log(engagement, consulting, personas, day)
    service_actions.service_record_confirm(record=first, by=personas.firm_member)
    log(engagement, consulting, personas, day)

    with pytest.raises(ActionError) as refused:
        log(engagement, consulting, personas, day)

    assert refused.value.code == "quota_exceeded"
    assert refused.value.field == "quantity"


def test_a_dispute_gives_the_quantity_back(personas, engagement, consulting, day):
    record = log(engagement, consulting, personas, day, quantity=2)

    service_actions.service_record_dispute(
        record=record, by=personas.firm_member, reason="没有开会"
    )
    again = log(engagement, consulting, personas, day, quantity=2)

    assert again.quantity == 2
    record.refresh_from_db()
    assert record.dispute_reason == "没有开会"
    assert Notification.objects.filter(
        user=personas.agency_consultant, kind="service_disputed"
    ).exists()


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"delivered_on": "future"}, "date_future"),
        ({"delivered_on": "before"}, "date_outside"),
        ({"description": "  "}, "description_required"),
        ({"quantity": 0}, "quantity_low"),
    ],
)
def test_refused_details(personas, engagement, consulting, day, change, code):
    values = dict(change)
    if values.get("delivered_on") == "future":
        values["delivered_on"] = day + datetime.timedelta(days=1)
    elif values.get("delivered_on") == "before":
        values["delivered_on"] = engagement.starts_on - datetime.timedelta(days=1)
    quantity = values.pop("quantity", 1)

    with pytest.raises(ActionError) as refused:
        log(engagement, consulting, personas, day, quantity=quantity, **values)

    assert refused.value.code == code


def test_an_item_of_another_engagement_is_refused(personas, engagement, consulting, day):
    foreign = EngagementItem(
        engagement_id=engagement.pk + 1000, service_item=consulting.service_item, quota=9
    )

    with pytest.raises(ActionError) as refused:
        service_actions._check_details(
            engagement=engagement,
            item=foreign,
            quantity=1,
            delivered_on=day,
            description="x",
            today=day,
        )

    assert refused.value.code == "item_unknown"


@pytest.mark.parametrize(
    "persona", ["rival_consultant", "firm_member", "incubator_manager", "officer", "other_manager"]
)
def test_only_the_engagements_agency_logs(personas, engagement, consulting, day, persona):
    with pytest.raises(NotAllowed):
        log(engagement, consulting, personas, day, by=getattr(personas, persona))


@pytest.mark.parametrize(
    "persona", ["other_firm_member", "agency_consultant", "rival_consultant", "incubator_manager"]
)
def test_only_the_firm_confirms_or_disputes(personas, engagement, consulting, day, persona):
    record = log(engagement, consulting, personas, day)

    with pytest.raises(NotAllowed):
        service_actions.service_record_confirm(record=record, by=getattr(personas, persona))
    with pytest.raises(NotAllowed):
        service_actions.service_record_dispute(
            record=record, by=getattr(personas, persona), reason="no"
        )


def test_a_dispute_needs_a_reason_and_a_pending_record(personas, engagement, consulting, day):
    record = log(engagement, consulting, personas, day)

    with pytest.raises(ActionError) as no_reason:
        service_actions.service_record_dispute(record=record, by=personas.firm_member, reason=" ")
    service_actions.service_record_confirm(record=record, by=personas.firm_member)
    with pytest.raises(InvalidTransition):
        service_actions.service_record_dispute(
            record=record, by=personas.firm_member, reason="迟了"
        )
    with pytest.raises(InvalidTransition):
        service_actions.service_record_confirm(record=record, by=personas.firm_member)

    assert no_reason.value.field == "reason"


def test_the_agency_corrects_a_disputed_record(
    personas, engagement, consulting, day, private_storage
):
    record = log(engagement, consulting, personas, day, quantity=2)
    service_actions.service_record_dispute(
        record=record, by=personas.firm_member, reason="只有一次"
    )

    corrected = service_actions.service_record_resubmit(
        record=record,
        by=personas.agency_consultant,
        quantity=1,
        delivered_on=day,
        description="一次咨询",
        files=[pdf("signed.pdf")],
        today=day,
    )

    assert corrected.status == ServiceRecord.Status.PENDING
    assert (corrected.quantity, corrected.dispute_reason) == (1, "")
    assert corrected.evidence.count() == 1
    event = AuditEvent.objects.get(action="service.resubmitted")
    assert event.data["dispute"] == "只有一次"
    with pytest.raises(InvalidTransition):
        service_actions.service_record_resubmit(
            record=record,
            by=personas.agency_consultant,
            quantity=1,
            delivered_on=day,
            description="again",
            today=day,
        )


def test_progress_shows_confirmed_and_awaiting(personas, engagement, consulting, day):
    first = log(engagement, consulting, personas, day)
    service_actions.service_record_confirm(record=first, by=personas.firm_member)
    log(engagement, consulting, personas, day)

    rows = {
        row["item"].pk: row["progress"]
        for row in service_selectors.progress_rows(
            service_selectors.engagement_items_with_progress(engagement)
        )
    }

    bars = rows[consulting.pk]
    assert (bars.confirmed, bars.pending, bars.confirmed_percent, bars.pending_percent) == (
        1,
        1,
        50,
        50,
    )


# --- Training attendance ----------------------------------------------------------------


@pytest.fixture
def attended(tree, personas, engagement):  # noqa: F811 (the fixture imported above)
    """Alice registered for a workshop 10 days into the engagement; now it is running."""
    with time_machine.travel(NOW, tick=False):
        event = make_event(tree.training["en"], starts_in_days=10)
        registration = cms_actions.event_register(event=event, by=personas.firm_member)
    return registration


def _mark(registration, attended, by):
    with time_machine.travel(registration.event.starts_at + datetime.timedelta(hours=1)):
        return cms_actions.event_attendance_mark(
            registration=registration, attended=attended, by=by
        )


def test_attendance_counts_as_a_confirmed_training_service(
    personas, engagement, training, attended
):
    _mark(attended, True, personas.officer)
    _mark(attended, True, personas.officer)  # idempotent

    record = ServiceRecord.objects.get()
    assert record.item == training
    assert record.status == ServiceRecord.Status.CONFIRMED
    assert record.source == ServiceRecord.Source.TRAINING
    assert record.source_ref == f"attendance:{attended.pk}"
    assert record.delivered_on == attended.event.starts_at.date()
    assert Notification.objects.filter(
        user=personas.agency_consultant, kind="training_counted"
    ).exists()


def test_unmarking_attendance_removes_the_record(personas, engagement, attended):
    _mark(attended, True, personas.officer)
    _mark(attended, False, personas.officer)

    assert not ServiceRecord.objects.exists()
    assert AuditEvent.objects.filter(action="service.training_voided").exists()


def test_attendance_without_a_training_item_counts_towards_nothing(
    personas, engagement, training, attended
):
    training.delete()

    _mark(attended, True, personas.officer)

    attended.refresh_from_db()
    assert attended.attended
    assert not ServiceRecord.objects.exists()


def test_attendance_beyond_the_quota_is_not_counted(personas, engagement, training, attended):
    log(
        engagement,
        training,
        personas,
        engagement.starts_on,
        quantity=training.quota,
        today=engagement.starts_on,
    )

    _mark(attended, True, personas.officer)

    assert ServiceRecord.objects.filter(source=ServiceRecord.Source.TRAINING).count() == 0

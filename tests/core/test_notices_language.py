"""A notice names agencies in its reader's language, as it words the rest (issue #18: an
English page said "金陵专利事务所 accepted the custody of …")."""

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format

from core.models import Notification
from core.notices import named, notification_text, register, registered_kinds
from marketplace import actions
from marketplace.models import Engagement
from tests.factories import AgencyFactory
from tests.frontend.conftest import make_programme

pytestmark = pytest.mark.django_db


def test_an_agency_with_an_english_name_is_named_in_english_on_english_pages():
    params = {"firm": "爱丽丝生物科技", **named("agency", AgencyFactory(name="金陵专利事务所"))}

    with translation.override("en"):
        english = notification_text("offer_accepted", params)
    with translation.override("zh-hans"):
        chinese = notification_text("offer_accepted", params)

    assert english.startswith("IP Agency") and "金陵" not in english
    assert chinese.startswith("金陵专利事务所")


def test_without_an_english_name_the_name_stands_in_both_languages():
    agency = AgencyFactory(name="金陵专利事务所", name_en="")

    with translation.override("en"):
        text = notification_text("offer_accepted", {"firm": "F", **named("agency", agency)})

    assert named("agency", agency) == {"agency": "金陵专利事务所"}
    assert text.startswith("金陵专利事务所")


def test_the_acceptance_notice_carries_both_names(personas):
    actions.offer_accept(offer=_offer(personas), by=personas.agency_consultant)
    assert Engagement.objects.count() == 1

    notice = Notification.objects.get(user=personas.firm_member, kind="offer_accepted")
    assert notice.params["agency"] == personas.agency.name
    assert notice.params["agency_en"] == personas.agency.name_en


def _offer(personas):
    programme = make_programme(personas)
    request = actions.request_submit(
        firm=personas.firm,
        by=personas.firm_member,
        programme_year=programme,
        quotas=programme.standard_quotas,
    )
    return actions.offer_make(request=request, agency=personas.agency, by=personas.firm_member)


def test_the_offers_answer_by_date_is_stored_as_data_and_read_in_the_readers_language(
    personas,
):
    # Sent from a Chinese page, read on an English one (and the reverse).
    with translation.override("zh-hans"):
        offer = _offer(personas)
    notice = Notification.objects.get(user=personas.agency_consultant, kind="offer_received")
    assert notice.params["respond_by"] == offer.respond_by.isoformat()

    when = timezone.localtime(offer.respond_by)
    with translation.override("en"):
        english = notification_text(notice.kind, notice.params)
        assert date_format(when, "DATETIME_FORMAT") in english
    with translation.override("zh-hans"):
        chinese = notification_text(notice.kind, notice.params)
        assert date_format(when, "DATETIME_FORMAT") in chinese
    assert "年" not in english and "年" in chinese


def test_amounts_are_worded_for_the_reader_and_old_texts_stand():
    params = {"firm": "F", "agency": "A", "amount": "12000.5", "engagement_id": 1}
    with translation.override("en"):
        text = notification_text("payout_sent", params)
        legacy = notification_text(
            "offer_expiring", {"firm": "F", "offer_id": 1, "respond_by": "2026年12月9日 10:00"}
        )
    assert text.startswith("¥12,000.50 was paid to A")
    assert legacy.endswith("2026年12月9日 10:00")


def test_a_parameter_is_registered_as_one_type():
    with pytest.raises(ValueError, match="respond_by"):
        register({"never_sent": lambda p: ""}, amounts=("respond_by",))
    assert "never_sent" not in registered_kinds()


def test_a_licence_notice_about_one_firm_says_firm_and_its_day_in_the_readers_words():
    params = {"agency": "A", "agency_id": 1, "valid_until": "2027-01-31", "firms": 1}
    with translation.override("en"):
        text = notification_text("licence_expiring", params)

    assert text.endswith("ends on Jan. 31, 2027 while it holds the custody of 1 firm.")

"""The quarterly custody report: quarters, what it counts, and its PDF."""

import datetime

import pytest
from django.utils import timezone

from custody import actions as custody_actions
from custody import report
from custody.models import Deadline
from custody.report_pdf import render_report_pdf
from custody.selectors import quarter_bounds, quarter_of

pytestmark = pytest.mark.django_db


def test_quarter_bounds():
    assert quarter_bounds(2026, 1) == (datetime.date(2026, 1, 1), datetime.date(2026, 3, 31))
    assert quarter_bounds(2024, 4) == (datetime.date(2024, 10, 1), datetime.date(2024, 12, 31))
    assert quarter_of(datetime.date(2026, 8, 15)) == (2026, 3)
    assert report.adjacent_quarters(2026, 1) == ((2025, 4), (2026, 2))
    with pytest.raises(ValueError):
        quarter_bounds(2026, 0)


def test_report_counts_the_quarter_and_the_total(personas, engagement, patent):
    items = list(engagement.items.order_by("pk"))
    start = engagement.starts_on  # 2026-03-02, in Q1
    for delivered_on, quantity in ((start, 1), (datetime.date(2026, 4, 10), 1)):
        record = custody_actions.service_record_log(
            engagement=engagement,
            item=items[0],
            quantity=quantity,
            delivered_on=delivered_on,
            description="咨询",
            by=personas.agency_consultant,
            today=delivered_on,
        )
        custody_actions.service_record_confirm(record=record, by=personas.firm_member)
    deadlines = list(Deadline.objects.filter(firm=personas.firm).order_by("due_on")[:2])
    in_q2 = timezone.make_aware(datetime.datetime(2026, 5, 1, 12))
    Deadline.objects.filter(pk=deadlines[0].pk).update(done_at=in_q2)
    Deadline.objects.filter(pk=deadlines[1].pk).update(missed_at=in_q2)

    q2 = report.firm_quarter_report(firm=personas.firm, year=2026, quarter=2)

    assert [a.pk for a in q2["assets"]] == [patent.pk]
    assert len(q2["deadlines_met"]) == 1
    assert len(q2["deadlines_missed"]) == 1
    (block,) = q2["engagements"]
    first = next(row for row in block["rows"] if row["item"].pk == items[0].pk)
    assert (first["quarter_confirmed"], first["confirmed"]) == (1, 2)
    q1 = report.firm_quarter_report(firm=personas.firm, year=2026, quarter=1)
    first = next(row for row in q1["engagements"][0]["rows"] if row["item"].pk == items[0].pk)
    assert (first["quarter_confirmed"], first["confirmed"]) == (1, 1)
    assert report.firm_quarter_report(firm=personas.firm, year=2025, quarter=4)["engagements"] == []


def test_pdf_draws_chinese_with_the_built_in_cid_font(personas, engagement, patent):
    data = render_report_pdf(report.firm_quarter_report(firm=personas.firm, year=2026, quarter=1))

    assert data.startswith(b"%PDF")
    assert b"STSong-Light" in data

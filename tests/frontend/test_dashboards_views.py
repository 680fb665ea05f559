"""Dashboard pages and exports: who sees what, that exports match the page, query pins."""

import csv
import datetime
import io

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from core import exports
from custody.models import Deadline
from frontend.views import dashboards as views
from reporting import cached, tables
from reporting.summaries import send_monthly_summaries
from tests.reporting.world import NOW, TODAY, build_world, grow

pytestmark = pytest.mark.django_db

INCUBATOR = reverse("frontend:dashboard-incubator")
PROGRAMME = reverse("frontend:dashboard-programme")
AGENCY = reverse("frontend:dashboard-agency")
QUERY_BUDGET = 20


@pytest.fixture
def world(personas):
    return build_world(personas)


@pytest.fixture
def at_mid_june():
    with time_machine.travel(NOW, tick=False):
        yield


def _plain(value):
    """openpyxl reads dates back as midnight datetimes."""
    return value.date() if isinstance(value, datetime.datetime) else value


def _get(client, user, url, **params):
    client.force_login(user)
    return client.get(url, params)


@pytest.mark.usefixtures("at_mid_june")
def test_manager_sees_their_incubators_figures(client, personas, world):
    response = _get(client, personas.incubator_manager, INCUBATOR)

    assert response.status_code == 200
    total = response.context["figures"]["coverage"]["total"]
    assert (total["firms"], total["eligible"], total["active"]) == (5, 3, 1)
    funnel = response.context["tables"]["funnel"]
    assert funnel.text_rows()[0] == ["Incubated firms", "5"]
    assert 'data-testid="table-no_request"' in response.text
    assert "F3 未申请" in response.text
    assert "mailto:f3@example.com?subject=" in response.text


def _figure_links(table):
    """(figure, URL) for every count of `table` that links to the list behind it."""
    for (n, key), url in table.links.items():
        value = table.rows[n].get(key)
        if isinstance(value, int):
            yield value, url


@pytest.mark.usefixtures("at_mid_june")
@pytest.mark.parametrize(
    ("persona", "url", "params", "keys"),
    [
        ("incubator_manager", INCUBATOR, {}, ["funnel", "by_industry"]),
        ("officer", INCUBATOR, {"industry": "ai"}, ["funnel", "by_industry"]),
        (
            "officer",
            PROGRAMME,
            {},
            ["by_district", "by_park", "by_incubator", "by_industry", "scorecards"],
        ),
        ("officer", PROGRAMME, {"district": "320106"}, ["by_incubator", "by_industry"]),
    ],
)
def test_every_figure_opens_the_list_that_counts_it(
    client, personas, world, persona, url, params, keys
):
    response = _get(client, getattr(personas, persona), url, **params)
    tables_ = response.context["tables"]
    total = response.context["figures"]["coverage"]["total"]
    links = [link for key in keys for link in _figure_links(tables_[key])]
    links += [(total[stage], url) for stage, url in response.context["stage_urls"].items()]

    wrong = []
    for figure, link in links:
        listed = client.get(link)
        assert listed.status_code == 200, link
        if listed.context["page"].paginator.count != figure:
            wrong.append(f"{link}: {listed.context['page'].paginator.count} listed, {figure} shown")
    assert not wrong, "\n".join(wrong)
    assert sum(figure for figure, _link in links) > 0


@pytest.mark.usefixtures("at_mid_june")
def test_an_agencys_active_clients_open_its_engagement_list(client, personas, world):
    response = _get(client, personas.agency_consultant, AGENCY)
    card = response.context["card"]
    link = response.context["tables"]["scorecard"].links[(4, "value")]

    listed = client.get(link)

    assert card["active_clients"] > 0
    assert listed.context["page"].paginator.count == card["active_clients"]


@pytest.mark.usefixtures("at_mid_june")
def test_other_manager_cannot_reach_the_managers_incubator(client, personas, world):
    response = _get(client, personas.other_manager, INCUBATOR, incubator=personas.incubator.pk)

    assert response.status_code == 200
    assert response.context["figures"]["coverage"]["total"]["firms"] == 2
    assert "F3 未申请" not in response.text
    export = client.get(
        reverse("frontend:dashboard-incubator-export", args=["no_request", "csv"]),
        {"incubator": personas.incubator.pk},
    )
    assert "F3" not in export.content.decode("utf-8")


@pytest.mark.parametrize(
    ("persona", "url", "status"),
    [
        ("firm_member", INCUBATOR, 403),
        ("firm_member", PROGRAMME, 403),
        ("firm_member", AGENCY, 403),
        ("incubator_manager", PROGRAMME, 403),
        ("incubator_manager", AGENCY, 403),
        ("agency_consultant", INCUBATOR, 403),
        ("agency_consultant", PROGRAMME, 403),
        ("officer", PROGRAMME, 200),
        ("officer", INCUBATOR, 200),
        ("agency_consultant", AGENCY, 200),
    ],
)
def test_who_may_open_which_dashboard(client, personas, world, persona, url, status):
    client.force_login(getattr(personas, persona))

    assert client.get(url).status_code == status


@pytest.mark.parametrize("url", [INCUBATOR, PROGRAMME, AGENCY])
def test_anonymous_visitors_are_sent_to_log_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("frontend:login"))


def test_exports_are_refused_to_firm_members(client, personas, world):
    client.force_login(personas.firm_member)
    url = reverse("frontend:dashboard-programme-export", args=["scorecards", "xlsx"])

    assert client.get(url).status_code == 403


@pytest.mark.usefixtures("at_mid_june")
def test_agency_sees_only_its_own_scorecard(client, personas, world):
    response = _get(client, personas.rival_consultant, AGENCY)

    assert response.context["card"]["agency_id"] == personas.rival_agency.pk
    assert personas.agency.name not in response.text


@pytest.mark.usefixtures("at_mid_june")
@pytest.mark.parametrize(
    ("url", "export", "table"),
    [
        (PROGRAMME, "frontend:dashboard-programme-export", "scorecards"),
        (PROGRAMME, "frontend:dashboard-programme-export", "by_incubator"),
        (PROGRAMME, "frontend:dashboard-programme-export", "budget"),
        (PROGRAMME, "frontend:dashboard-programme-export", "chat"),
        (INCUBATOR, "frontend:dashboard-incubator-export", "delivery"),
        (INCUBATOR, "frontend:dashboard-incubator-export", "deadlines"),
        (INCUBATOR, "frontend:dashboard-incubator-export", "trend"),
    ],
)
def test_exports_match_the_page(client, personas, world, url, export, table):
    page = _get(client, personas.officer, url, year=2026)
    shown = page.context["tables"][table]

    xlsx = client.get(reverse(export, args=[table, "xlsx"]), {"year": 2026})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    as_csv = client.get(reverse(export, args=[table, "csv"]), {"year": 2026})
    text = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))

    assert (
        xlsx["Content-Disposition"]
        == f'attachment; filename="{page.context["dashboard"]}-{table}-2026.xlsx"'
    )
    assert rows[0] == shown.headers()
    assert [[_plain(value) for value in row] for row in rows[1:]] == [
        [exports._cell(value) for value in row] for row in shown.values()
    ]
    assert len(rows) > 1
    assert text == [shown.headers(), *shown.text_rows()]
    for cell in shown.text_rows()[0]:
        assert cell in page.content.decode()


@pytest.mark.usefixtures("at_mid_june")
def test_deadlines_at_risk_read_in_the_users_language(client, personas, world):
    Deadline.objects.filter(due_on=TODAY + datetime.timedelta(days=10)).update(
        responsible_agency=personas.agency
    )
    client.force_login(personas.incubator_manager)

    tables_in = {
        language: client.get(INCUBATOR, headers={"accept-language": language}).context["tables"]
        for language in ("en", "zh-hans")
    }

    # D4 (five days overdue, no agency named), then D3 (in ten days, the agency's).
    for language, agency in (("en", personas.agency.name_en), ("zh-hans", personas.agency.name)):
        rows = tables_in[language]["deadlines"].rows
        assert [row["agency"] for row in rows] == ["", agency]
        with translation.override(language):
            assert rows[1]["what"] == str(Deadline.Kind.ANNUAL_FEE.label)
        assert rows[1]["due_on"] == TODAY + datetime.timedelta(days=10)


@pytest.mark.usefixtures("at_mid_june")
def test_headers_follow_the_users_language(client, personas, world):
    client.force_login(personas.officer)

    response = client.get(
        reverse("frontend:dashboard-programme-export", args=["scorecards", "csv"]),
        headers={"accept-language": "zh-hans"},
    )

    header = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    with translation.override("zh-hans"):
        expected = tables.scorecards([], None).headers()
    assert header == expected
    assert "排名" in header or "Rank" in header  # "Rank" until the catalogue has it


def _export(dashboard, table):
    return reverse(f"frontend:dashboard-{dashboard}-export", args=[table, "csv"])


@pytest.mark.usefixtures("at_mid_june")
@pytest.mark.parametrize(
    ("persona", "url", "params"),
    [
        ("incubator_manager", INCUBATOR, {}),
        ("officer", INCUBATOR, {}),
        ("officer", PROGRAMME, {}),
        ("agency_consultant", AGENCY, {}),
        # The drill-down lists in full, on the page and as exports.
        ("incubator_manager", INCUBATOR, {"all": "delivery"}),
        ("officer", INCUBATOR, {"all": "delivery"}),
        ("officer", INCUBATOR, {"all": "deadlines"}),
        ("officer", INCUBATOR, {"all": "offers_waiting"}),
        ("officer", INCUBATOR, {"all": "no_request"}),
        ("officer", PROGRAMME, {"all": "by_incubator"}),
        ("officer", PROGRAMME, {"all": "scorecards"}),
        ("officer", _export("incubator", "delivery"), {}),
        ("officer", _export("incubator", "deadlines"), {}),
        ("officer", _export("programme", "scorecards"), {}),
        ("agency_consultant", _export("agency", "scorecard"), {}),
    ],
)
def test_query_count_is_pinned_at_two_sizes(
    client, personas, world, persona, url, params, monkeypatch
):
    # What computing the figures costs: nothing served from the shared figures cache.
    monkeypatch.setattr(cached, "FRESH_SECONDS", 0)
    monkeypatch.setattr(cached, "MAX_SECONDS", 0)
    user = getattr(personas, persona)
    client.force_login(user)
    counts = []
    for extra in (1, 20):
        grow(world, personas, extra)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, params).status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1] <= QUERY_BUDGET


@pytest.mark.usefixtures("at_mid_june")
@pytest.mark.parametrize("persona", ["officer", "incubator_manager"])
def test_a_second_view_shares_the_figures_and_shows_their_age(client, personas, world, persona):
    url = PROGRAMME if persona == "officer" else INCUBATOR
    client.force_login(getattr(personas, persona))
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        assert 'data-testid="figures-age"' in response.text
        counts.append(len(queries))
    # The second view computes no aggregate: only the session, the user and the filters.
    assert counts[1] < counts[0] / 2


@pytest.mark.usefixtures("at_mid_june")
def test_pages_work_without_chartjs(client, personas, world, monkeypatch):
    monkeypatch.setattr(views, "chartjs_url", lambda: None)

    response = _get(client, personas.officer, PROGRAMME)

    assert response.status_code == 200
    assert "dashboard-charts" not in response.text
    assert "<canvas" not in response.text
    assert 'data-testid="table-scorecards"' in response.text


@pytest.mark.usefixtures("at_mid_june")
def test_charts_are_data_not_inline_script(client, personas, world, monkeypatch):
    monkeypatch.setattr(views, "chartjs_url", lambda: "/static/vendor/chartjs/chart.umd.min.js")

    response = _get(client, personas.officer, PROGRAMME)

    assert '<script id="dashboard-charts" type="application/json">' in response.text
    assert 'id="chart-scorecards"' in response.text
    # Every <script> either loads a file or carries JSON data.
    for tag in response.text.split("<script")[1:]:
        opening = tag.split(">", 1)[0]
        assert "src=" in opening or 'type="application/json"' in opening


@pytest.mark.usefixtures("at_mid_june")
def test_monthly_summaries_reach_managers_and_officers(
    personas, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sent = send_monthly_summaries()

    by_address = {message.to[0]: message for message in mail.outbox}
    assert sent == len(mail.outbox) >= 3
    # A second run of the job (a redelivered task) queues nothing again.
    with django_capture_on_commit_callbacks(execute=True):
        assert send_monthly_summaries() == 0
    assert len(mail.outbox) == sent
    manager = by_address[personas.incubator_manager.email]
    assert "5" in manager.body and reverse("frontend:dashboard-incubator") in manager.body
    assert personas.incubator.name_en in manager.subject  # tests read English
    assert reverse("frontend:dashboard-programme") in by_address[personas.officer.email].body


@pytest.mark.usefixtures("at_mid_june")
def test_long_tables_show_their_first_rows_and_the_exports_every_row(
    client, personas, world, monkeypatch
):
    monkeypatch.setattr(views, "PAGE_LIMITS", {"scorecards": 1})
    client.force_login(personas.officer)

    page = client.get(PROGRAMME, {"year": 2026})
    table = page.context["tables"]["scorecards"]
    export = client.get(
        reverse("frontend:dashboard-programme-export", args=["scorecards", "csv"]), {"year": 2026}
    )
    in_full = client.get(PROGRAMME, {"year": 2026, "all": "scorecards"})

    assert len(table.rows) >= 2 and table.truncated
    assert page.text.count('data-testid="truncated-scorecards"') == 1
    assert table.rows[1]["name"] not in page.text.split('data-testid="table-scorecards"')[1]
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert len(rows) == 1 + len(table.rows)
    assert not in_full.context["tables"]["scorecards"].truncated
    assert 'data-testid="truncated-scorecards"' not in in_full.text


@pytest.mark.usefixtures("at_mid_june")
def test_incubator_lists_fetch_their_first_rows_and_every_row_on_request(
    client, personas, world, monkeypatch
):
    monkeypatch.setattr(views, "PAGE_LIST_LIMIT", 1)
    client.force_login(personas.officer)

    page = client.get(INCUBATOR, {"year": 2026})
    in_full = client.get(INCUBATOR, {"year": 2026, "all": "delivery"})
    export = client.get(
        reverse("frontend:dashboard-incubator-export", args=["delivery", "csv"]), {"year": 2026}
    )

    assert len(page.context["tables"]["delivery"].rows) == 1
    assert 'data-testid="show-all-delivery"' in page.text
    every = in_full.context["tables"]["delivery"].rows
    assert len(every) >= 2
    assert len(in_full.context["tables"]["no_request"].rows) <= 1
    assert len(list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))) == 1 + len(every)

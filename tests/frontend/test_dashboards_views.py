"""Dashboard pages and exports: who sees what, that exports match the page, query pins."""

import csv
import datetime
import io
import re

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from core import exports
from custody.models import Deadline
from frontend.views import dashboards as views
from reporting import dashboards as reporting_dashboards
from reporting import snapshots, tables, tasks
from reporting.models import DashboardSnapshot
from reporting.summaries import send_monthly_summaries
from tests.factories import PASSWORD
from tests.reporting.world import NOW, TODAY, build_world, grow
from tests.shared import shared

pytestmark = pytest.mark.django_db

INCUBATOR = reverse("frontend:dashboard-incubator")
PROGRAMME = reverse("frontend:dashboard-programme")
AGENCY = reverse("frontend:dashboard-agency")
# A page whose figures are computed (its first view): the figures, the page around them
# and the snapshot stored. Later views read the stored figures: READ_BUDGET.
QUERY_BUDGET = 24


def _compute_lock_queries():
    """On PostgreSQL a computation first takes an advisory try-lock (two workers never
    compute the same snapshot): one statement SQLite does without."""
    return 1 if connection.vendor == "postgresql" else 0


READ_BUDGET = 6


@shared
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


def test_an_agencys_scorecard_is_computed_at_most_once_a_minute(
    client, personas, world, monkeypatch
):
    computed = []
    compute = reporting_dashboards.agency_scorecards

    def counted(user, year):
        computed.append(user.pk)
        return compute(user, year)

    monkeypatch.setattr(reporting_dashboards, "agency_scorecards", counted)
    client.force_login(personas.agency_consultant)
    with time_machine.travel(NOW, tick=False) as clock:
        first = client.get(AGENCY)
        clock.shift(datetime.timedelta(seconds=30))
        again = client.get(AGENCY)
        assert len(computed) == 1
        assert again.context["figures_computed_at"] == first.context["figures_computed_at"]
        assert 'data-testid="figures-age"' in again.text
        # An export is the figures of now.
        client.get(reverse("frontend:dashboard-agency-export", args=["scorecard", "csv"]))
        assert len(computed) == 2
        clock.shift(datetime.timedelta(seconds=31))
        later = client.get(AGENCY)
    assert len(computed) == 3
    assert later.context["figures_computed_at"] > first.context["figures_computed_at"]
    # Each agency's own: a rival's staff never read another agency's stored card.
    client.force_login(personas.rival_consultant)
    with time_machine.travel(NOW, tick=False):
        rival = client.get(AGENCY)
    assert rival.context["card"]["agency_id"] == personas.rival_agency.pk


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
    # What computing the figures costs: no stored snapshot to read them from.
    user = getattr(personas, persona)
    client.force_login(user)
    counts = []
    for extra in (1, 20):
        grow(world, personas, extra)
        DashboardSnapshot.objects.all().delete()
        cache.clear()  # and the agencies' scorecards kept a minute
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, params).status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1] <= QUERY_BUDGET + _compute_lock_queries()


@pytest.mark.usefixtures("at_mid_june")
@pytest.mark.parametrize(
    ("persona", "url", "params"),
    [
        ("incubator_manager", INCUBATOR, {}),
        ("officer", INCUBATOR, {}),
        ("officer", PROGRAMME, {}),
        ("officer", INCUBATOR, {"all": "delivery"}),
        ("officer", PROGRAMME, {"all": "scorecards"}),
        ("agency_consultant", AGENCY, {}),
    ],
)
def test_later_views_read_the_stored_figures_in_a_fixed_number_of_queries(
    client, personas, world, persona, url, params
):
    client.force_login(getattr(personas, persona))
    assert client.get(url, params).status_code == 200  # computes and stores them
    counts = []
    for extra in (1, 20):
        grow(world, personas, extra)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, params)
        assert response.status_code == 200
        assert 'data-testid="figures-age"' in response.text
        counts.append(len(queries))
    # No aggregate: the session, the user, the filters' choices and the snapshot.
    assert counts[0] == counts[1] <= READ_BUDGET


@pytest.mark.usefixtures("at_mid_june")
@pytest.mark.parametrize("url", [PROGRAMME, INCUBATOR])
def test_a_stored_page_reads_the_incubators_ids_and_builds_no_form(
    client, personas, world, url, monkeypatch
):
    client.force_login(personas.officer)
    first = client.get(url)
    # Past the page kept whole for its opening (the next test): read from its snapshot.
    monkeypatch.setattr(views, "_opening_key", lambda request, dashboard: None)
    built = []
    real = views.DashboardFilterForm.__init__
    monkeypatch.setattr(
        views.DashboardFilterForm,
        "__init__",
        lambda self, *a, **kw: built.append(1) or real(self, *a, **kw),
    )
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url)
    incubator_reads = [q["sql"] for q in queries if 'FROM "marketplace_incubator"' in q["sql"]]
    assert len(incubator_reads) == 1
    assert incubator_reads[0].startswith('SELECT "marketplace_incubator"."id" AS "pk" FROM')
    assert built == []
    # The same page: the filters' choices were drawn with it.
    assert _body_of(again) == _body_of(first)
    assert 'name="incubator"' in again.text and personas.incubator.display_name in again.text
    # A chosen filter is checked against the choices: the form, with the incubators' rows.
    narrowed = client.get(url, {"incubator": personas.incubator.pk})
    assert built == [1] and narrowed.status_code == 200


@pytest.mark.usefixtures("at_mid_june")
@pytest.mark.parametrize("url", [PROGRAMME, INCUBATOR])
def test_the_page_a_dashboard_opens_with_is_read_whole_for_a_few_seconds(
    client, personas, world, url
):
    client.force_login(personas.officer)
    first = client.get(url)
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url)

    # The session, the officer and the bell's count: no programme year, incubator or
    # stored figures are read again.
    assert len(queries) == 3, [q["sql"] for q in queries]
    assert again.text.count('data-testid="figures-age"') == 1
    assert _body_of(again) == _body_of(first)
    assert 'data-testid="dashboard-heading"' in again.text
    # A chosen filter is not the opening page: read from its own snapshot.
    with CaptureQueriesContext(connection) as queries:
        client.get(url, {"industry": "biomedicine"})
    assert any("reporting_dashboardsnapshot" in q["sql"] for q in queries)


@pytest.mark.usefixtures("at_mid_june")
def test_a_managers_opening_page_is_never_another_incubators(client, personas, world):
    # Each reader's page is kept (the city's, then the first manager's) before the next reads.
    pages = {}
    for reader in ("officer", "incubator_manager", "other_manager"):
        client.force_login(getattr(personas, reader))
        pages[reader] = [client.get(INCUBATOR), client.get(INCUBATOR)]

    def eyebrow(response):
        return re.search(r'portal-eyebrow mb-1">([^<]*)<', response.text).group(1)

    for reader, shown in (
        ("incubator_manager", personas.incubator.display_name),
        ("other_manager", personas.other_incubator.display_name),
    ):
        first, kept = pages[reader]
        assert eyebrow(first) == eyebrow(kept) == shown
        assert _body_of(kept) == _body_of(first)
    bodies = {reader: _body_of(first) for reader, (first, _kept) in pages.items()}
    assert len(set(bodies.values())) == 3


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
    officer = by_address[personas.officer.email].body
    assert reverse("frontend:dashboard-programme") in officer
    # Its amounts as every page writes them: the sign, grouped digits, two decimals.
    budget = re.search(r"Budget: (\S+) reserved, (\S+) settled, (\S+) left", officer)
    assert budget and all(re.fullmatch(r"¥\d{1,3}(,\d{3})*\.\d\d", a) for a in budget.groups())


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
    monkeypatch.setattr(snapshots, "PAGE_LIST_LIMIT", 1)
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


def test_long_tables_link_the_rows_the_page_shows_and_no_others(personas, world):
    year = world.year
    coverage = {"incubator": [{"key": n, "label": f"I{n}", "firms": n} for n in range(1, 301)]}
    table = tables.breakdown(coverage, "incubator", {"year": year.year})
    table.page_limit = 20

    table.body_html()

    assert len(table.links) == 20 * 7  # the 7 counts of each row shown
    assert table.links.get((0, "firms")) == f"{reverse('frontend:firm-list')}?year=2026&incubator=1"
    assert table.links.get((0, "label")) is None
    assert table.links[(299, "active")].endswith("incubator=300&stage=active")


@pytest.mark.usefixtures("at_mid_june")
def test_a_pages_body_is_drawn_once_per_snapshot_and_language(client, personas, world, monkeypatch):
    drawn = []
    real = views._programme_built
    monkeypatch.setattr(views, "_programme_built", lambda *a: drawn.append(1) or real(*a))
    client.force_login(personas.officer)

    first = client.get(PROGRAMME)
    again = client.get(PROGRAMME)
    assert len(drawn) == 1
    assert 'data-testid="table-scorecards"' in again.text
    assert again.text.count('data-testid="figures-age"') == 1
    chinese = client.get(PROGRAMME, headers={"accept-language": "zh-hans"})
    narrowed = client.get(PROGRAMME, {"industry": "biomedicine"})
    assert len(drawn) == 3  # another language, another query
    assert "服务机构排行榜" in chinese.text and "服务机构排行榜" not in again.text
    assert (
        first.text.split('data-testid="dashboard-figures"')[1].split("</div>")[0]
        == (again.text.split('data-testid="dashboard-figures"')[1].split("</div>")[0])
    )
    assert narrowed.status_code == 200
    # Refreshed figures are drawn again: by the job, for the page with no filter chosen, in
    # each language; the narrowed page by its next reader.
    with time_machine.travel(NOW + snapshots.MAX_AGE + datetime.timedelta(minutes=1), tick=False):
        assert snapshots.refresh_stale()["refreshed"] == 3
        assert len(drawn) == 5
        client.get(PROGRAMME)
        client.get(PROGRAMME, headers={"accept-language": "zh-hans"})
        assert len(drawn) == 5
        client.get(PROGRAMME, {"industry": "biomedicine"})
    assert len(drawn) == 6


def _body_of(response):
    """The page below the figures' age (what _body draws), without the figures' age."""
    return response.text.split('data-testid="figures-age"')[1].split("</p>", 1)[1]


def _drawn_in_requests(monkeypatch):
    """Counts the bodies drawn while the test client's requests run (not in the jobs)."""
    drawn = []
    real = views._draw

    def counted(request, *args):
        if not isinstance(request, views._JobRequest):
            drawn.append(request.path)
        return real(request, *args)

    monkeypatch.setattr(views, "_draw", counted)
    return drawn


@pytest.mark.usefixtures("at_mid_june")
@pytest.mark.parametrize(
    ("persona", "url"),
    [("officer", PROGRAMME), ("officer", INCUBATOR), ("incubator_manager", INCUBATOR)],
)
def test_after_a_refresh_the_first_view_reads_the_page_the_job_drew(
    client, personas, world, persona, url, monkeypatch, django_capture_on_commit_callbacks
):
    client.force_login(getattr(personas, persona))
    assert client.get(url).status_code == 200  # computes the figures and draws the page
    drawn = _drawn_in_requests(monkeypatch)
    grow(world, personas, 3)  # changes the figures (and marks the data changed)
    later = NOW + snapshots.MAX_AGE + datetime.timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        assert snapshots.refresh_stale()["refreshed"] == 1
        with CaptureQueriesContext(connection) as queries:
            read = client.get(url)
        assert drawn == []
        assert len(queries) <= READ_BUDGET
        # What the job drew is what the request would have drawn from the stored figures.
        cache.clear()
        drawn_here = client.get(url)
    assert drawn == [url]
    assert 'data-testid="figures-age"' in read.text
    assert _body_of(read) == _body_of(drawn_here)
    assert 'data-testid="dashboard-figures"' in _body_of(read)


@pytest.mark.usefixtures("at_mid_june")
def test_the_sign_in_job_draws_the_pages_the_dashboards_open_with(
    client, personas, world, monkeypatch
):
    drawn = _drawn_in_requests(monkeypatch)
    signed_in = client.post(
        reverse("frontend:login"), {"username": personas.officer.username, "password": PASSWORD}
    )
    assert signed_in.status_code == 302
    assert cache.get(views.ORIGIN_KEY) == ["http", "testserver"]
    # The job the sign-in queues (run here as the worker would).
    assert tasks.prime_dashboard_snapshots(personas.officer.pk, "en") == 2
    assert client.get(PROGRAMME).status_code == client.get(INCUBATOR).status_code == 200
    assert drawn == []


@pytest.mark.usefixtures("at_mid_june")
def test_the_job_draws_only_the_page_with_no_filter_where_readers_came_from(
    client, personas, world, monkeypatch
):
    client.force_login(personas.officer)
    client.get(PROGRAMME, {"industry": "biomedicine"})  # a narrowed page, read at testserver
    cache.delete(views.ORIGIN_KEY)
    client.get(PROGRAMME, headers={"host": "localhost"})
    drawn = _drawn_in_requests(monkeypatch)
    later = NOW + snapshots.MAX_AGE + datetime.timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        assert snapshots.refresh_stale()["refreshed"] == 2
        client.get(PROGRAMME, headers={"host": "localhost"})
        assert drawn == []
        # Another address (the invitations' sign-in link) and the narrowed page: drawn here.
        client.get(PROGRAMME)
        client.get(PROGRAMME, {"industry": "biomedicine"})
    assert drawn == [PROGRAMME, PROGRAMME]


@pytest.mark.usefixtures("at_mid_june")
def test_a_page_the_job_could_not_draw_is_drawn_by_its_reader(client, personas, world, monkeypatch):
    client.force_login(personas.officer)
    client.get(PROGRAMME)
    monkeypatch.setattr(views, "_programme_built", lambda *a: 1 / 0)
    later = NOW + snapshots.MAX_AGE + datetime.timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        # The figures are stored all the same; the failure is logged.
        assert snapshots.refresh_stale()["refreshed"] == 1
        monkeypatch.undo()
        response = client.get(PROGRAMME)
    assert response.status_code == 200
    assert DashboardSnapshot.objects.get().computed_at == later
    assert 'data-testid="table-scorecards"' in response.text

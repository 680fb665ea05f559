"""The dashboards' tables and charts, built from marketplace.dashboards figures.

Every table a dashboard shows is built here once; the page, the CSV and the XLSX
export all read the same Table, so they cannot disagree. Each chart is drawn from
the table beside it, which stays on the page as its accessible equivalent.
"""

from urllib.parse import quote, urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from core.exports import DATE, INT, MONEY, MONTH, NUMBER, PERCENT, TEXT, Column, Table, display
from marketplace.models import Agency


class PageTable(Table):
    """A Table that also writes its body rows for frontend/dashboards/_table.html.

    A "show every row" page has thousands of cells; two format_html() calls per cell
    cost more than the query behind them, so the rows are built as one string here.
    """

    def body_html(self):
        """The <tr> elements of the rows the page shows, every text and URL escaped; each
        figure names its column (data-label), which a phone shows beside it (portal-stack)."""
        labels = [conditional_escape(label) for label in self.headers()]
        lines = []
        for row in self.page_display_rows():
            cells = []
            for n, (text, url, kind) in enumerate(row):
                content = conditional_escape(text)
                if url:
                    content = f'<a href="{conditional_escape(url)}">{content}</a>'
                if n == 0:
                    cells.append(f'<th scope="row" class="fw-normal">{content}</th>')
                elif kind != TEXT:
                    cells.append(
                        f'<td class="text-end text-nowrap" data-label="{labels[n]}">{content}</td>'
                    )
                else:
                    cells.append(f'<td data-label="{labels[n]}">{content}</td>')
            lines.append(f"<tr>{''.join(cells)}</tr>")
        # Safe: the only values in it went through conditional_escape() above.
        return mark_safe("\n".join(lines))  # noqa: S308


class Links(dict):
    """A table's links, each made when a cell asks for it: the page shows the first rows of
    a long table, and making every row's URLs cost a programme page more than drawing it.

    make(n, key) -> the URL of row n's `key` cell, or None. Links set directly are kept.
    """

    def __init__(self, make):
        super().__init__()
        self._make = make
        self._none = set()

    def __missing__(self, cell):
        if cell in self._none:
            return None
        url = self._make(*cell)
        if url is None:
            self._none.add(cell)
        else:
            self[cell] = url
        return url

    def get(self, cell, default=None):
        url = self[cell]
        return default if url is None else url


FUNNEL_STAGES = [
    ("firms", _("Incubated firms")),
    ("verified", _("Verified")),
    ("eligible", _("Eligible")),
    ("requested", _("Requested custody")),
    ("active", _("Under active custody")),
]


def _firms_url(*, base=None, **params):
    """The firm list filtered by `params`; `base`: the list's URL, when a table links
    many rows (one reverse() instead of one per cell)."""
    base = base or reverse("frontend:firm-list")
    params = {key: value for key, value in params.items() if value not in (None, "")}
    return f"{base}?{urlencode(params)}" if params else base


def _detail_url(name):
    """pk -> the URL of the view `name` for that pk, reversed once for a table's rows
    (reverse() per row cost more than building the row)."""
    marker = 987654321
    prefix, suffix = reverse(name, args=[marker]).split(str(marker))
    return lambda pk: f"{prefix}{int(pk)}{suffix}"


def _breakdown_columns(first_label):
    return [
        Column("label", first_label),
        Column("firms", _("Firms"), INT),
        Column("verified", _("Verified"), INT),
        Column("eligible", _("Eligible"), INT),
        Column("requested", _("Requested"), INT),
        Column("active", _("Active custody"), INT),
        Column("covered", _("Covered (cumulative)"), INT),
        Column("coverage", _("Coverage"), PERCENT),
        Column("no_request", _("Eligible, no request"), INT),
    ]


_DIMENSIONS = {
    "district": (_("By district"), _("District"), "district"),
    "park": (_("By high-tech park"), _("High-tech park"), "park"),
    "incubator": (_("By incubator"), _("Incubator"), "incubator"),
    "industry": (_("By industry"), _("Industry"), "industry"),
}
# The counted columns of a breakdown and the firm list's coverage filter for each.
_STAGE_COLUMNS = {
    "firms": "",
    "verified": "verified",
    "eligible": "eligible",
    "requested": "requested",
    "active": "active",
    "covered": "covered",
    "no_request": "no_request",
}


def stage_urls(params):
    """Coverage stage -> the firm list behind that figure, under the dashboard's filters
    (`params`, from Filters.firm_list_params())."""
    base = reverse("frontend:firm-list")
    stages = {**_STAGE_COLUMNS, "offered": "offered"}
    return {
        column: _firms_url(base=base, **params, stage=stage) for column, stage in stages.items()
    }


def breakdown(coverage, dimension, params):
    title, label, firm_param = _DIMENSIONS[dimension]
    rows = [{**row, "label": row["label"] or _("No park")} for row in coverage[dimension]]
    base = reverse("frontend:firm-list")

    def link(n, column):
        key = coverage[dimension][n]["key"]
        # Firms in no park: the firm list has no filter for "none".
        if key is None or column not in _STAGE_COLUMNS:
            return None
        params_ = {**params, firm_param: key, "stage": _STAGE_COLUMNS[column]}
        return _firms_url(base=base, **params_)

    links = Links(link)
    return PageTable(
        key=f"by_{dimension}",
        title=title,
        columns=_breakdown_columns(label),
        rows=rows,
        links=links,
    )


def funnel(coverage, params):
    total = coverage["total"]
    urls = stage_urls(params)
    return PageTable(
        key="funnel",
        title=_("Coverage"),
        columns=[Column("stage", _("Stage")), Column("count", _("Firms"), INT)],
        rows=[{"stage": label, "count": total[key]} for key, label in FUNNEL_STAGES],
        links={(n, "count"): urls[key] for n, (key, _label) in enumerate(FUNNEL_STAGES)},
    )


def invitation(firm, sign_in_url):
    """A mailto: address that opens the invitation, written, in the e-mail program."""
    emails = [member.email for member in firm.members.all() if member.email]
    if not emails:
        return None
    subject = _("IP custody for %(firm)s, paid by the city") % {"firm": firm.name}
    body = _(
        "Hello,\n\n%(firm)s is eligible for the city's IP custody programme: a licensed IP "
        "agency looks after your patents, trademarks and deadlines for a year, and the city "
        "pays most of the cost. Sign in and request custody here: %(url)s\n\n"
        "Your incubator"
    ) % {"firm": firm.name, "url": sign_in_url}
    return (
        "mailto:"
        + ",".join(emails)
        + "?"
        + urlencode({"subject": str(subject), "body": str(body)}, quote_via=quote)
    )


def no_request(firms, *, sign_in_url):
    rows = []
    links = {}
    firm_url = _detail_url("frontend:firm-detail")
    for n, firm in enumerate(firms):
        mailto = invitation(firm, sign_in_url)
        rows.append(
            {
                "firm": firm.name,
                "industry": firm.get_industry_display(),
                "emails": ", ".join(m.email for m in firm.members.all() if m.email),
                "invite": _("Send an invitation") if mailto else _("No e-mail address"),
            }
        )
        links[(n, "firm")] = firm_url(firm.pk)
        if mailto:
            links[(n, "invite")] = mailto
    return PageTable(
        key="no_request",
        title=_("Eligible firms with no request"),
        columns=[
            Column("firm", _("Firm")),
            Column("industry", _("Industry")),
            Column("emails", _("E-mail")),
            Column("invite", _("Invitation")),
        ],
        rows=rows,
        links=links,
    )


def offers_waiting(offers):
    links = {}
    rows = []
    request_url = _detail_url("frontend:request-detail")
    for n, offer in enumerate(offers):
        rows.append(
            {
                "firm": offer.request.firm.name,
                "agency": offer.agency.display_name,
                "sent_at": offer.sent_at.date(),
                "respond_by": offer.respond_by.date(),
            }
        )
        links[(n, "firm")] = request_url(offer.request_id)
    return PageTable(
        key="offers_waiting",
        title=_("Offers waiting for the agency"),
        columns=[
            Column("firm", _("Firm")),
            Column("agency", _("Agency")),
            Column("sent_at", _("Sent on"), DATE),
            Column("respond_by", _("Answer by"), DATE),
        ],
        rows=rows,
        links=links,
    )


def _agency_names():
    """(name, name_en) -> Agency.display_name, worked out once per agency of a list."""
    names = {}

    def display_name(name, name_en):
        if not name:
            return ""
        if (name, name_en) not in names:
            names[name, name_en] = Agency(name=name, name_en=name_en).display_name
        return names[name, name_en]

    return display_name


def firm_list(firms, statuses, year):
    """The firm list behind a coverage figure, with where each firm stands in `year`
    (statuses from coverage.custody_status_by_firm) and its agency."""
    agency_name = _agency_names()
    rows = []
    for firm in firms:
        status = statuses.get(firm.pk) or {}
        agency = status.get("agency")
        rows.append(
            {
                "name": firm.name,
                "credit_code": firm.credit_code,
                "verification": firm.get_verification_display(),
                "incubator": str(firm.incubator),
                "district": firm.get_district_display(),
                "industry": firm.get_industry_display(),
                "headcount": firm.headcount,
                "admitted_on": firm.admitted_on,
                "custody": status.get("status") or _("Not applied"),
                "agency": agency_name(agency.name, agency.name_en) if agency else "",
            }
        )
    return PageTable(
        key="firms",
        title=_("Firms"),
        columns=[
            Column("name", _("Firm")),
            Column("credit_code", _("Unified social credit code")),
            Column("verification", _("Verification")),
            Column("incubator", _("Incubator")),
            Column("district", _("District")),
            Column("industry", _("Industry")),
            Column("headcount", _("Headcount"), INT),
            Column("admitted_on", _("Admitted on"), DATE),
            Column("custody", _("Custody in %(year)s") % {"year": year.year} if year else ""),
            Column("agency", _("Agency")),
        ],
        rows=rows,
    )


def deadlines_at_risk(deadlines):
    rows = []
    links = {}
    firm_url = _detail_url("frontend:firm-detail")
    agency_name = _agency_names()
    for n, deadline in enumerate(deadlines):
        rows.append(
            {
                "firm": deadline.firm,
                "what": deadline.get_kind_display(),
                "number": deadline.asset_number,
                "due_on": deadline.due_on,
                "grace_ends_on": deadline.grace_ends_on,
                "agency": agency_name(deadline.agency_name, deadline.agency_name_en),
            }
        )
        links[(n, "firm")] = firm_url(deadline.firm_id)
    return PageTable(
        key="deadlines",
        title=_("Deadlines at risk"),
        columns=[
            Column("firm", _("Firm")),
            Column("what", _("Deadline")),
            Column("number", _("Number")),
            Column("due_on", _("Due on"), DATE),
            Column("grace_ends_on", _("Grace ends on"), DATE),
            Column("agency", _("Responsible agency")),
        ],
        rows=rows,
        links=links,
    )


def delivery(rows_in):
    rows = []
    links = {}
    engagement_url = _detail_url("frontend:engagement-detail")
    for n, row in enumerate(rows_in):
        rows.append({**row, "slipping_text": _("Slipping") if row["slipping"] else ""})
        links[(n, "firm")] = engagement_url(row["engagement_id"])
    return PageTable(
        key="delivery",
        title=_("Delivery per engagement"),
        columns=[
            Column("firm", _("Firm")),
            Column("agency", _("Agency")),
            Column("quota", _("Quota"), INT),
            Column("delivered", _("Confirmed"), INT),
            Column("pending", _("Awaiting the firm"), INT),
            Column("completeness", _("Delivered"), PERCENT),
            Column("slipping_text", _("Behind schedule")),
        ],
        rows=rows,
        links=links,
    )


def satisfaction(figures):
    return PageTable(
        key="satisfaction",
        title=_("Satisfaction"),
        columns=[Column("stars", _("Rating")), Column("count", _("Settlements"), INT)],
        rows=[{"stars": "★" * n, "count": figures[f"stars_{n}"]} for n in range(5, 0, -1)],
        caption=_("Ratings the firms gave when their custody closed."),
    )


def trend(rows):
    return PageTable(
        key="trend",
        title=_("Monthly trend"),
        columns=[
            Column("month", _("Month"), MONTH),
            Column("requests", _("Requests"), INT),
            Column("engagements", _("Engagements started"), INT),
            Column("delivered", _("Services confirmed"), INT),
        ],
        rows=rows,
    )


def covered_by_month(points, target):
    return PageTable(
        key="covered",
        title=_("Firms covered against the target"),
        columns=[
            Column("month", _("Month"), MONTH),
            Column("covered", _("Firms covered (cumulative)"), INT),
            Column("target", _("Target"), INT),
        ],
        rows=[{"month": month, "covered": covered, "target": target} for month, covered in points],
    )


def budget(forecast):
    return PageTable(
        key="budget",
        title=_("Budget burn and forecast"),
        columns=[
            Column("month", _("Month"), MONTH),
            Column("actual", _("Committed (cumulative)"), MONEY),
            Column("forecast", _("Forecast (cumulative)"), MONEY),
            Column("budget", _("Budget"), MONEY),
        ],
        rows=[
            {"month": month, "actual": actual, "forecast": projected, "budget": forecast.budget}
            for month, actual, projected in forecast.months
        ],
    )


def _active_clients_url(year, agency_id=None):
    """The engagement list behind an agency's "active clients" figure."""
    params = {"status": "active", "year": year.year}
    if agency_id is not None:
        params["agency"] = agency_id
    return f"{reverse('frontend:engagement-list')}?{urlencode(params)}"


def scorecards(cards, year, *, link_agencies=True, today=None):
    """The league table; agency names in the reader's language, and each agency's licence
    (an expired one flagged: it receives no offers, whatever its rank)."""
    today = today or timezone.localdate()
    agency_name = _agency_names()
    cards = [
        {
            **card,
            "name": agency_name(card["name"], card.get("name_en")),
            "licence": _licence_text(card.get("licence_valid_until"), today),
        }
        for card in cards
    ]
    agency_url = _detail_url("frontend:agency-detail")

    def link(n, key):
        if key == "active_clients":
            return _active_clients_url(year, cards[n]["agency_id"])
        if key == "name" and link_agencies:
            return agency_url(cards[n]["agency_id"])
        return None

    links = Links(link)
    return PageTable(
        key="scorecards",
        title=_("Agency league table"),
        columns=[
            Column("rank", _("Rank"), INT),
            Column("name", _("Agency")),
            Column("licence", _("Licence")),
            Column("offers_received", _("Offers received"), INT),
            Column("acceptance_rate", _("Acceptance rate"), PERCENT),
            Column("median_response_hours", _("Median response (hours)"), NUMBER),
            Column("active_clients", _("Active clients"), INT),
            Column("capacity", _("Capacity"), INT),
            Column("deadlines_missed", _("Deadlines missed"), INT),
            Column("completeness", _("Delivery completeness"), PERCENT),
            Column("rating", _("Average rating"), NUMBER),
            Column("consultations", _("Consultations handled"), INT),
            Column("score", _("Score"), PERCENT),
        ],
        rows=cards,
        links=links,
        caption=_(
            "Score: the mean of acceptance rate, delivery completeness, rating (of 5) and "
            "deadlines kept, over the parts an agency has figures for."
        ),
    )


def _licence_text(valid_until, today):
    if valid_until is None:
        return ""
    return _("Expired") if valid_until < today else _("Valid")


def chat(figures):
    rows = [
        (_("Conversations"), figures["conversations"], INT),
        (_("Handed to a person"), figures["handoffs"], INT),
        (_("Answered by the assistant alone"), figures["deflection_rate"], PERCENT),
        (_("Consultation tickets"), figures["tickets"], INT),
        (
            _("Median first reply (minutes)"),
            figures["median_first_response_seconds"] / 60
            if figures["median_first_response_seconds"] is not None
            else None,
            NUMBER,
        ),
        (_("Satisfaction (of 5)"), figures["csat_mean"], NUMBER),
        (_("Answers"), figures["answers"], INT),
        (_("Did-you-mean questions"), figures["clarifications"], INT),
        (_("Fallbacks"), figures["fallbacks"], INT),
        (_("Thumbs down"), figures["thumbs_down"], INT),
    ]
    return _key_values("chat", _("The assistant"), rows)


def _key_values(key, title, rows):
    """A two-column table whose values have different kinds: shown and exported as text."""
    return PageTable(
        key=key,
        title=title,
        columns=[Column("figure", _("Figure")), Column("value", _("Value"), TEXT)],
        rows=[{"figure": label, "value": display(value, kind)} for label, value, kind in rows],
    )


def scorecard_card(card, year):
    rows = [
        (_("Offers received"), card["offers_received"], INT),
        (_("Offers accepted"), card["offers_accepted"], INT),
        (_("Acceptance rate"), card["acceptance_rate"], PERCENT),
        (_("Median response (hours)"), card["median_response_hours"], NUMBER),
        (_("Active clients"), card["active_clients"], INT),
        (_("Capacity"), card["capacity"], INT),
        (_("Deadlines missed"), card["deadlines_missed"], INT),
        (_("Deadlines done"), card["deadlines_done"], INT),
        (_("Delivery completeness"), card["completeness"], PERCENT),
        (_("Average rating"), card["rating"], NUMBER),
        (_("Consultations handled"), card["consultations"], INT),
    ]
    table = _key_values("scorecard", _("Scorecard"), rows)
    # The agency's own engagements: its list shows no one else's.
    table.links[(4, "value")] = _active_clients_url(year)
    return table


# --- Charts ---------------------------------------------------------------------------


def fee_forecast(periods):
    """What keeping a firm's portfolio costs in official fees, year by year (custody.fees)."""
    return PageTable(
        key="fee_forecast",
        title=_("Official fees over the next five years"),
        caption=_(
            "Annual fees and trademark renewals of the rights in force, at the official rates; "
            "the reduced column applies the fee reduction where it covers a fee."
        ),
        columns=[
            Column("period", _("Year")),
            Column("annual_fees", _("Annual fees"), INT),
            Column("renewals", _("Trademark renewals"), INT),
            Column("payable", _("Official fees (CNY)"), MONEY),
            Column("reduced_payable", _("With the fee reduction (CNY)"), MONEY),
        ],
        rows=[
            {
                "period": f"{period.starts_on.isoformat()} – {period.ends_on.isoformat()}",
                "annual_fees": period.annual_fees,
                "renewals": period.renewals,
                "payable": period.payable,
                "reduced_payable": period.reduced_payable,
            }
            for period in periods
        ],
    )


def chart(table, *, kind, label_key, series, stacked=False, percent=False):
    """A Chart.js description drawn from `table`: labels from one column, a dataset per
    series column, over the rows the page shows. Plain data only; the script turns it
    into a chart."""
    rows = table.page_rows()
    label_kind = next(c.kind for c in table.columns if c.key == label_key)
    columns = {c.key: c for c in table.columns}
    return {
        "id": table.key,
        "type": kind,
        "title": str(table.title),
        "stacked": stacked,
        "percent": percent,
        "labels": [display(row.get(label_key), label_kind) for row in rows],
        "datasets": [
            {
                "label": str(columns[key].label),
                "data": [
                    float(row[key]) * (100 if percent else 1) if row.get(key) is not None else None
                    for row in rows
                ],
            }
            for key in series
        ],
    }

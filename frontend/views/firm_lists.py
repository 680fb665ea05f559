"""The firm lists behind the coverage figures (the office's firm list and the manager's
home): each firm with where it stands in the chosen programme year and its agency, and
the same filtered list as CSV or XLSX."""

from core.exports import table_download
from frontend.filter_forms import FirmFilterForm
from frontend.views.access import paginate, role_required
from marketplace import selectors
from reporting import coverage, tables


def filtered_firms(request):
    """(filter form, the firms it selects among those the user may see, its year)."""
    filters = FirmFilterForm(request.GET or None, user=request.user)
    firms = filters.filter(selectors.firms_visible_to(request.user))
    return filters, firms, filters.stage_year()


def firm_page(request, firms, year):
    """One page of `firms`, each carrying `custody` (coverage.custody_status_by_firm)."""
    page = paginate(request, firms.select_related("incubator"))
    page.object_list = list(page.object_list)
    statuses = (
        coverage.custody_status_by_firm([firm.pk for firm in page.object_list], year)
        if year is not None
        else {}
    )
    for firm in page.object_list:
        firm.custody = statuses.get(firm.pk)
    return page


@role_required("programme_officer", "incubator_manager")
def firm_list_export(request, fmt):
    _, firms, year = filtered_firms(request)
    firms = list(firms.select_related("incubator"))
    statuses = (
        coverage.custody_status_by_firm([firm.pk for firm in firms], year)
        if year is not None
        else {}
    )
    table = tables.firm_list(firms, statuses, year)
    return table_download(table, fmt, f"firms.{fmt}")

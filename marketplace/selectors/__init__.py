"""Permission-scoped reads, one module per concept; every view, API and template reads through these.

Each `*_visible_to(user)` returns the queryset of what `user` may see; the `*_get_for_user`
helpers raise Http404 for anything outside it, so another tenant's object cannot be told
apart from one that does not exist.
"""

from marketplace.selectors.audit import (
    audit_events_of_engagement,
    audit_events_of_request,
    audit_events_visible_to,
)
from marketplace.selectors.budget import BUDGET_STATUSES, budget_committed, budget_left
from marketplace.selectors.contracting import (
    agency_changes_visible_to,
    allocation_runs_visible_to,
    custody_request_get_for_user,
    custody_requests_visible_to,
    engagement_get_for_user,
    engagements_visible_to,
    offer_get_for_agency,
    offers_visible_to,
)
from marketplace.selectors.participants import (
    LICENCE_WARNING_DAYS,
    agencies_licence_ending,
    agencies_pending_approval,
    agencies_visible_to,
    agency_counts_by_status,
    agency_get_for_user,
    firm_counts_by_verification,
    firm_get_for_user,
    firms_pending_for_manager,
    firms_visible_to,
    incubator_get_for_user,
    incubators_open_for_signup,
    incubators_visible_to,
    incubators_with_firm_counts,
    is_anonymous,
    parks_visible_to,
    scoped_to_parties,
    users_visible_to,
)
from marketplace.selectors.people import agency_staff, firm_members, officers
from marketplace.selectors.prices import list_price, package_summary
from marketplace.selectors.programme import (
    COVERING,
    CoverageProgress,
    coverage_progress,
    covered_q,
    default_year,
    percent,
    programme_figures,
    programme_year_open,
    programme_years,
    programme_years_visible_to,
    service_items_offered,
    service_items_visible_to,
)
from marketplace.selectors.ranking import rank_request
from marketplace.selectors.tokens import api_tokens_of

__all__ = [
    "api_tokens_of",
    "BUDGET_STATUSES",
    "LICENCE_WARNING_DAYS",
    "agencies_licence_ending",
    "agencies_pending_approval",
    "agencies_visible_to",
    "agency_changes_visible_to",
    "agency_counts_by_status",
    "agency_get_for_user",
    "agency_staff",
    "allocation_runs_visible_to",
    "audit_events_of_engagement",
    "audit_events_of_request",
    "audit_events_visible_to",
    "budget_committed",
    "budget_left",
    "custody_request_get_for_user",
    "custody_requests_visible_to",
    "default_year",
    "engagement_get_for_user",
    "engagements_visible_to",
    "firm_counts_by_verification",
    "firm_get_for_user",
    "firm_members",
    "firms_pending_for_manager",
    "firms_visible_to",
    "incubator_get_for_user",
    "incubators_open_for_signup",
    "incubators_visible_to",
    "incubators_with_firm_counts",
    "is_anonymous",
    "list_price",
    "package_summary",
    "offer_get_for_agency",
    "offers_visible_to",
    "officers",
    "parks_visible_to",
    "COVERING",
    "CoverageProgress",
    "coverage_progress",
    "covered_q",
    "percent",
    "programme_figures",
    "programme_year_open",
    "programme_years",
    "programme_years_visible_to",
    "rank_request",
    "scoped_to_parties",
    "service_items_offered",
    "service_items_visible_to",
    "users_visible_to",
]

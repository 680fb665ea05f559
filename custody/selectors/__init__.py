"""Permission-scoped reads of the custody workspace, one module per concept.

Each `*_visible_to(user)` returns what `user` may see; the `*_get_for_user` helpers raise
Http404 outside it, so another firm's object cannot be told apart from a missing one.
"""

from custody.selectors.deadlines import (
    BOARD_STATES,
    calendar_feed_deadlines,
    calendar_feed_get,
    deadline_board,
    deadline_firms_visible_to,
    deadline_get_for_user,
    deadlines_visible_to,
)
from custody.selectors.fees import (
    deadline_fee,
    fee_forecast,
    fee_table,
    fees_of,
    with_fees,
)
from custody.selectors.portfolio import (
    asset_get_for_user,
    assets_visible_to,
    client_firms_visible_to,
    portfolio_assets,
    portfolio_firm_get_for_user,
    portfolio_import_get_for_user,
    portfolio_imports_visible_to,
)
from custody.selectors.scope import engagement_scoped, firm_scoped, in_custody_of
from custody.selectors.services import (
    REPORT_YEARS,
    delivered_under,
    engagement_deliveries,
    engagement_items_with_progress,
    evidence_get_for_user,
    evidence_visible_to,
    firm_get_for_report,
    progress_rows,
    quarter_bounds,
    quarter_of,
    service_record_get_for_user,
    service_records_of_engagement,
    service_records_visible_to,
)
from custody.selectors.settlements import (
    engagement_with_settlement,
    settlement_preview,
    settlements_visible_to,
    track_record,
)
from custody.selectors.sync import tombstones_visible_to

__all__ = [
    "tombstones_visible_to",
    "portfolio_import_get_for_user",
    "portfolio_imports_visible_to",
    "BOARD_STATES",
    "asset_get_for_user",
    "assets_visible_to",
    "client_firms_visible_to",
    "calendar_feed_deadlines",
    "calendar_feed_get",
    "deadline_board",
    "deadline_fee",
    "deadline_firms_visible_to",
    "deadline_get_for_user",
    "deadlines_visible_to",
    "delivered_under",
    "engagement_deliveries",
    "engagement_items_with_progress",
    "engagement_scoped",
    "engagement_with_settlement",
    "evidence_get_for_user",
    "evidence_visible_to",
    "fee_forecast",
    "fee_table",
    "fees_of",
    "firm_get_for_report",
    "firm_scoped",
    "in_custody_of",
    "portfolio_assets",
    "portfolio_firm_get_for_user",
    "progress_rows",
    "REPORT_YEARS",
    "quarter_bounds",
    "quarter_of",
    "service_record_get_for_user",
    "service_records_of_engagement",
    "service_records_visible_to",
    "settlement_preview",
    "settlements_visible_to",
    "track_record",
    "with_fees",
]

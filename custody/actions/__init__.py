"""State changes of the custody workspace, one module per concept; every entry point (pages,
API, commands, tasks, the CMS) calls these.
"""

from custody.actions.assets import (
    ASSET_FIELDS,
    asset_create,
    asset_update,
    can_edit_portfolio,
    deadlines_refresh_all,
    deadlines_refresh_for_firm,
)
from custody.actions.calendar_feeds import calendar_feed_issue, calendar_feed_revoke
from custody.actions.checks import (
    check_agency,
    check_firm,
    check_open,
    lock_engagement,
    notice_params,
    people,
)
from custody.actions.deadlines import (
    MISSED_NOTICE_WINDOW,
    can_mark_done,
    deadline_mark_done,
    deadline_remind,
    deadline_reminders_send,
    deadlines_flag_missed,
)
from custody.actions.fees import official_fee_save
from custody.actions.services import (
    COUNTED_STATUSES,
    attendance_ref,
    service_record_confirm,
    service_record_dispute,
    service_record_from_attendance,
    service_record_log,
    service_record_resubmit,
    service_record_void_attendance,
)
from custody.actions.settlements import (
    completion_refusal,
    settlement_approve,
    settlement_confirm,
    settlement_rate,
)

__all__ = [
    "ASSET_FIELDS",
    "COUNTED_STATUSES",
    "MISSED_NOTICE_WINDOW",
    "official_fee_save",
    "asset_create",
    "asset_update",
    "attendance_ref",
    "calendar_feed_issue",
    "calendar_feed_revoke",
    "can_edit_portfolio",
    "can_mark_done",
    "check_agency",
    "check_firm",
    "check_open",
    "completion_refusal",
    "deadline_mark_done",
    "deadline_remind",
    "deadline_reminders_send",
    "deadlines_flag_missed",
    "deadlines_refresh_all",
    "deadlines_refresh_for_firm",
    "lock_engagement",
    "notice_params",
    "people",
    "service_record_confirm",
    "service_record_dispute",
    "service_record_from_attendance",
    "service_record_log",
    "service_record_resubmit",
    "service_record_void_attendance",
    "settlement_approve",
    "settlement_confirm",
    "settlement_rate",
]

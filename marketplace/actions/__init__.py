"""State changes of the marketplace, one function each; every entry point calls these.

Each action opens a transaction, locks the row it changes, checks the source
state and the actor's right, writes the change with its audit event, and
schedules side effects (e-mail, notifications) with `transaction.on_commit`.
"""

from core.actions.notices import notification_read, notifications_read_all
from marketplace.actions.agency_changes import (
    agency_change_approve,
    agency_change_refuse,
    agency_change_request,
)
from marketplace.actions.allocation_runs import allocation_commit, allocation_preview
from marketplace.actions.engagements import engagement_cancel
from marketplace.actions.licences import agencies_warn_licence_expiring
from marketplace.actions.offers import (
    offer_accept,
    offer_decline,
    offer_make,
    offers_expire_overdue,
    offers_warn_expiring,
    request_withdraw,
)
from marketplace.actions.participants import (
    agency_approve,
    agency_register,
    agency_reject,
    agency_suspend,
    firm_incubation_end,
    firm_register,
    firm_reject,
    firm_verify,
    participant_create,
    participant_update,
)
from marketplace.actions.people import user_language_set
from marketplace.actions.requests import Ineligible, request_submit, waitlist_serve
from marketplace.actions.tokens import (
    TokenNotFound,
    api_token_issue,
    api_token_revoke,
    api_tokens_revoke_all,
)

__all__ = [
    "agencies_warn_licence_expiring",
    "api_token_issue",
    "api_token_revoke",
    "api_tokens_revoke_all",
    "TokenNotFound",
    "Ineligible",
    "agency_change_approve",
    "agency_change_refuse",
    "agency_change_request",
    "allocation_commit",
    "allocation_preview",
    "engagement_cancel",
    "notification_read",
    "notifications_read_all",
    "offer_accept",
    "offer_decline",
    "offer_make",
    "offers_expire_overdue",
    "offers_warn_expiring",
    "request_submit",
    "request_withdraw",
    "waitlist_serve",
    "agency_approve",
    "agency_register",
    "agency_reject",
    "agency_suspend",
    "firm_register",
    "firm_incubation_end",
    "firm_reject",
    "firm_verify",
    "participant_create",
    "participant_update",
    "user_language_set",
]

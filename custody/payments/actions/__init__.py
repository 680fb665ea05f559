"""Co-payments, refunds, payouts and Connect accounts: every change of money state, one module
per concept.

Calls to Stripe happen in tasks after the transaction that decided them commits, each with an
idempotency key derived from the row it serves, so a retry after a timeout or a 500 can never
move money twice. The refund rule: the firm keeps paying only for what was delivered.
"""

from custody.payments.actions.bank_transfers import offline_payment_record
from custody.payments.actions.common import (
    ZERO,
    check_officer,
    expire_checkout,
    lock_engagement,
    made_earlier,
    next_key,
    notice_params,
    officers,
    payments_page_url,
    people,
    send_payout_later,
    send_refund_later,
)
from custody.payments.actions.connect import (
    connect_account_observed,
    connect_onboarding_link,
    connect_refresh,
)
from custody.payments.actions.copayments import (
    checkout_start,
    copayment_received_online,
    copayments_chase,
    lock_copayment,
    refund_rule_amount,
)
from custody.payments.actions.engagements import (
    engagement_cancelled,
    engagement_opened,
    engagement_settled,
    engagement_transferred,
    open_payout,
    refund_excess,
)
from custody.payments.actions.payouts import payout_reversed, payout_send, payouts_retry
from custody.payments.actions.refunds import refund_observed, refund_send, refunds_retry

__all__ = [
    "ZERO",
    "check_officer",
    "checkout_start",
    "connect_account_observed",
    "connect_onboarding_link",
    "connect_refresh",
    "copayment_received_online",
    "copayments_chase",
    "engagement_cancelled",
    "engagement_opened",
    "engagement_settled",
    "engagement_transferred",
    "expire_checkout",
    "lock_copayment",
    "lock_engagement",
    "made_earlier",
    "next_key",
    "notice_params",
    "officers",
    "offline_payment_record",
    "open_payout",
    "payments_page_url",
    "payout_reversed",
    "payout_send",
    "payouts_retry",
    "people",
    "refund_excess",
    "refund_observed",
    "refund_rule_amount",
    "refund_send",
    "refunds_retry",
    "send_payout_later",
    "send_refund_later",
]

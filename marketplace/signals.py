"""What the engagement state machine announces to the apps above marketplace.

Each signal is sent by `marketplace.actions.engagements` inside the transaction that makes the
move, with `send()` (not `send_robust()`): a receiver that fails rolls the move back. The
custody app keeps its money in step through them (the budget reservation in the ledger, the
firm's co-payment, refunds and the agency's pay), so marketplace never imports custody.
"""

from django.dispatch import Signal

# An engagement was created (awaiting its co-payment or active).
# kwargs: engagement, now, copay_due (False when a change of agency carries the payment over)
engagement_started = Signal()

# A running engagement was cancelled by the programme office or lapsed unpaid.
# kwargs: engagement, by, reason
engagement_cancelled = Signal()

# An active engagement moved to another agency: `old` keeps what was delivered, `new` the rest.
# kwargs: old, new, released (the government money given back from old's reservation), now
engagement_transferred = Signal()

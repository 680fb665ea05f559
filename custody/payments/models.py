"""Money: co-payments, refunds, agency payouts, Stripe's events and the ledger they all write to.

Amounts are in the programme's currency (CNY by default) with two decimals; what Stripe
sees is the same amount in fen. Every movement of money is one `LedgerEntry`; balances are
sums over the ledger, never stored.
"""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from stdnum import luhn

from core.models import TracksUpdates


class Method(models.TextChoices):
    STRIPE = "stripe", _("Online (Stripe)")
    OFFLINE = "offline", _("Bank transfer (recorded by the programme office)")
    INTERNAL = "internal", _("Programme budget")


class CoPayment(TracksUpdates, models.Model):
    """The firm's share of an engagement's package price."""

    class Status(models.TextChoices):
        DUE = "due", _("Due")
        PAID = "paid", _("Paid")
        CANCELLED = "cancelled", _("Cancelled unpaid")

    # Every move a co-payment can make (None: opened with its engagement; paid at once when
    # there is nothing to pay or a change of agency carried the payment over);
    # custody.payments.actions.copayments owns them.
    TRANSITIONS = frozenset(
        {
            (None, Status.DUE),
            (None, Status.PAID),
            (Status.DUE, Status.PAID),
            (Status.DUE, Status.CANCELLED),
        }
    )

    engagement = models.OneToOneField(
        "marketplace.Engagement",
        verbose_name=_("engagement"),
        on_delete=models.PROTECT,
        related_name="copayment",
    )
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DUE
    )
    due_by = models.DateTimeField(
        _("due by"),
        null=True,
        blank=True,
        help_text=_("Empty when custody does not wait for the co-payment."),
    )
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    method = models.CharField(_("paid by"), max_length=16, choices=Method.choices, blank=True)
    checkout_session_id = models.CharField(max_length=255, blank=True, editable=False)
    payment_intent_id = models.CharField(max_length=255, blank=True, editable=False)
    charge_id = models.CharField(max_length=255, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    # When the row last changed (every save writes it): what `updated_since` filters on.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("co-payment")
        verbose_name_plural = _("co-payments")
        indexes = [models.Index(fields=["status", "due_by"])]
        constraints = [
            models.UniqueConstraint(
                fields=["payment_intent_id"],
                condition=~Q(payment_intent_id=""),
                name="copayment_payment_intent_once",
            ),
            models.CheckConstraint(name="copayment_not_negative", condition=Q(amount__gte=0)),
        ]

    def __str__(self):
        return f"{self.engagement} · {self.amount} {self.currency}"

    @property
    def reference(self):
        """What the firm quotes on a bank transfer, so the office can match it: the programme,
        the engagement's number and a Luhn check digit that catches a mistyped digit."""
        return payment_reference(self.engagement_id)


def payment_reference(engagement_id):
    digits = f"{engagement_id:08d}"
    return f"IPC-{digits}-{luhn.calc_check_digit(digits)}"


class PayeeAccount(models.Model):
    """The programme office's bank account that firms pay their co-payments into.

    The office keeps it in the admin; the newest account in force on a day is the one firms
    are told to pay into, so a change of bank takes effect on its date, not before.
    """

    account_name = models.CharField(_("account name"), max_length=120)
    bank_name = models.CharField(_("bank and branch"), max_length=160)
    account_number = models.CharField(
        _("account number"),
        max_length=34,
        validators=[
            RegexValidator(
                r"^[0-9 ]{8,34}$",
                _("An account number is 8 to 34 digits (spaces allowed between groups)."),
            )
        ],
    )
    valid_from = models.DateField(_("in force from"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("programme bank account")
        verbose_name_plural = _("programme bank accounts")
        ordering = ["-valid_from", "-pk"]

    def __str__(self):
        return f"{self.account_name} · {self.bank_name} · {self.account_number}"


class Refund(models.Model):
    """Money going back to the firm: requested here, confirmed by Stripe's webhook."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        SUCCEEDED = "succeeded", _("Refunded")
        FAILED = "failed", _("Failed")

    # custody.payments.actions.refunds owns these moves.
    TRANSITIONS = frozenset(
        {
            (None, Status.PENDING),
            (Status.PENDING, Status.SUCCEEDED),
            (Status.PENDING, Status.FAILED),
        }
    )

    engagement = models.ForeignKey(
        "marketplace.Engagement",
        verbose_name=_("engagement"),
        on_delete=models.PROTECT,
        related_name="refunds",
    )
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=200)
    method = models.CharField(_("method"), max_length=16, choices=Method.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    idempotency_key = models.CharField(max_length=100, unique=True, editable=False)
    stripe_refund_id = models.CharField(max_length=255, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    last_error = models.TextField(_("last error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["stripe_refund_id"],
                condition=~Q(stripe_refund_id=""),
                name="refund_stripe_id_once",
            ),
            models.CheckConstraint(name="refund_positive", condition=Q(amount__gt=0)),
        ]

    def __str__(self):
        return f"{self.engagement} ← {self.amount}"


class PaymentAccount(models.Model):
    """An agency's Stripe Connect account, which its payouts go to."""

    agency = models.OneToOneField(
        "marketplace.Agency",
        verbose_name=_("agency"),
        on_delete=models.CASCADE,
        related_name="payment_account",
    )
    stripe_account_id = models.CharField(_("Stripe account"), max_length=255, unique=True)
    details_submitted = models.BooleanField(_("details submitted"), default=False)
    payouts_enabled = models.BooleanField(_("payouts enabled"), default=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("payment account")
        verbose_name_plural = _("payment accounts")

    def __str__(self):
        return f"{self.agency} · {self.stripe_account_id}"


class Payout(TracksUpdates, models.Model):
    """What an agency is paid for its work: on an approved settlement, or for what it had
    delivered when an engagement was cancelled. Retried until it is sent."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed, will be retried")
        BLOCKED = "blocked", _("Blocked: no payout account")
        REVERSED = "reversed", _("Reversed")

    # custody.payments.actions.payouts owns these moves; a failed or blocked payout is tried
    # again (and may fail or wait again) until it is sent.
    TRANSITIONS = frozenset(
        {
            (None, Status.PENDING),
            (Status.PENDING, Status.SENT),
            (Status.PENDING, Status.FAILED),
            (Status.PENDING, Status.BLOCKED),
            (Status.FAILED, Status.SENT),
            (Status.FAILED, Status.FAILED),
            (Status.FAILED, Status.BLOCKED),
            (Status.BLOCKED, Status.SENT),
            (Status.BLOCKED, Status.FAILED),
            (Status.BLOCKED, Status.BLOCKED),
            (Status.SENT, Status.REVERSED),
        }
    )

    settlement = models.OneToOneField(
        "custody.Settlement",
        verbose_name=_("settlement"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payout",
    )
    engagement = models.ForeignKey(
        "marketplace.Engagement",
        verbose_name=_("engagement"),
        on_delete=models.PROTECT,
        related_name="payouts",
    )
    agency = models.ForeignKey(
        "marketplace.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="payouts",
    )
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    method = models.CharField(_("method"), max_length=16, choices=Method.choices, blank=True)
    idempotency_key = models.CharField(max_length=100, unique=True, editable=False)
    stripe_transfer_id = models.CharField(max_length=255, blank=True, editable=False)
    reference = models.CharField(_("bank transfer reference"), max_length=100, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    # When the row last changed (every save writes it): what `updated_since` filters on.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["stripe_transfer_id"],
                condition=~Q(stripe_transfer_id=""),
                name="payout_transfer_once",
            ),
            models.CheckConstraint(name="payout_not_negative", condition=Q(amount__gte=0)),
        ]

    def __str__(self):
        return f"{self.agency} ← {self.amount}"


class StripeEvent(models.Model):
    """A webhook event as Stripe sent it, stored once; processing may be repeated safely."""

    stripe_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    created = models.DateTimeField()
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("Stripe event")
        verbose_name_plural = _("Stripe events")
        ordering = ["created", "id"]
        indexes = [models.Index(fields=["processed_at"])]

    def __str__(self):
        return f"{self.type} {self.stripe_id}"


class LedgerQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("The ledger is append-only.")

    def delete(self):
        raise TypeError("The ledger is append-only.")


class LedgerEntry(models.Model):
    """One movement of money from one account to another; never changed once written.

    `key` names the movement (e.g. ``reserve:engagement:12`` or ``copay_received:ch_…``), so
    recording the same movement twice, from a repeated webhook or a replay, writes it once.
    """

    class Account(models.TextChoices):
        BUDGET = "budget", _("Programme budget")
        RESERVED = "reserved", _("Reserved for engagements")
        AGENCY_PAYABLE = "agency_payable", _("Owed to agencies")
        AGENCIES = "agencies", _("Paid to agencies")
        FIRMS = "firms", _("Firms")
        COPAY_HELD = "copay_held", _("Co-payments held")
        CARRIED = "carried", _("Carried to a new agency")

    class Kind(models.TextChoices):
        BUDGET_RESERVED = "budget_reserved", _("Budget reserved")
        BUDGET_RELEASED = "budget_released", _("Budget released")
        BUDGET_SETTLED = "budget_settled", _("Budget settled")
        COPAY_RECEIVED = "copay_received", _("Co-payment received")
        COPAY_REFUNDED = "copay_refunded", _("Co-payment refunded")
        COPAY_EARNED = "copay_earned", _("Co-payment earned by the agency")
        COPAY_CARRIED_OUT = "copay_carried_out", _("Co-payment carried to a new agency")
        COPAY_CARRIED_IN = "copay_carried_in", _("Co-payment carried from the previous agency")
        PAYOUT_SENT = "payout_sent", _("Payout sent")
        PAYOUT_FAILED = "payout_failed", _("Payout failed")

    key = models.CharField(max_length=200, unique=True, editable=False)
    kind = models.CharField(_("movement"), max_length=24, choices=Kind.choices)
    engagement = models.ForeignKey(
        "marketplace.Engagement",
        verbose_name=_("engagement"),
        on_delete=models.PROTECT,
        related_name="ledger_entries",
    )
    programme_year = models.ForeignKey(
        "marketplace.ProgrammeYear",
        verbose_name=_("programme year"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    source = models.CharField(_("from"), max_length=16, choices=Account.choices)
    destination = models.CharField(_("to"), max_length=16, choices=Account.choices)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    method = models.CharField(_("method"), max_length=16, choices=Method.choices)
    stripe_object_id = models.CharField(_("Stripe object"), max_length=255, blank=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    value_date = models.DateField(_("value date"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = LedgerQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["programme_year", "kind"]),
            models.Index(fields=["engagement", "kind"]),
            models.Index(fields=["stripe_object_id"]),
        ]
        constraints = [
            models.CheckConstraint(name="ledger_amount_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(
                name="ledger_accounts_differ", condition=~Q(source=models.F("destination"))
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount} {self.currency}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("The ledger is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The ledger is append-only.")

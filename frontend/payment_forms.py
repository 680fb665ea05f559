from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from custody.payments.models import LedgerEntry
from frontend.forms import BootstrapMixin, DateInput

Kind = LedgerEntry.Kind


class OfflinePaymentForm(BootstrapMixin, forms.Form):
    """A bank transfer the programme office saw arrive or leave."""

    kind = forms.ChoiceField(
        label=_("The transfer was"),
        choices=[
            (Kind.COPAY_RECEIVED, _("the firm's co-payment, received")),
            (Kind.COPAY_REFUNDED, _("a refund to the firm, paid")),
            (Kind.PAYOUT_SENT, _("the agency's payout, paid")),
        ],
    )
    amount = forms.DecimalField(
        label=_("Amount (CNY)"), max_digits=12, decimal_places=2, min_value=0.01
    )
    reference = forms.CharField(label=_("Bank transfer reference"), max_length=100)
    value_date = forms.DateField(label=_("Transfer date"), widget=DateInput())

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("value_date", timezone.localdate())
        super().__init__(*args, **kwargs)

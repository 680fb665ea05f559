"""What keeping a firm's portfolio will cost in official fees over the next five years (the
portfolio page's forecast), for whoever may see the firm's portfolio."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from custody import selectors
from custody.api.common import Parties, refused
from marketplace.api.views import ApiViewMixin


class ForecastPeriodSerializer(serializers.Serializer):
    starts_on = serializers.DateField(help_text=_("The period's first day."))
    ends_on = serializers.DateField(help_text=_("The period's last day (one year later)."))
    annual_fees = serializers.IntegerField(help_text=_("Patent annual fees falling due."))
    renewals = serializers.IntegerField(help_text=_("Trademark renewals falling due."))
    payable = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text=_("Their official fees in CNY, no reduction.")
    )
    reduced_payable = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        help_text=_("The same with the fee reduction where it covers a fee."),
    )


class FeeForecastSerializer(serializers.Serializer):
    firm = serializers.IntegerField(source="firm.pk")
    firm_name = serializers.CharField(source="firm.name")
    today = serializers.DateField(help_text=_("The day the forecast starts."))
    periods = ForecastPeriodSerializer(many=True, help_text=_("Five one-year periods from today."))


@extend_schema(tags=["reports"])
class FeeForecastView(ApiViewMixin, APIView):
    permission_classes = [Parties]
    filter_backends = []

    @extend_schema(
        summary=_("Official fees of a firm's portfolio over the next five years"),
        description=_(
            "Annual fees and trademark renewals of the rights in force at the official rates, "
            "with and without the fee reduction, by one-year period from today."
        ),
        responses=refused({status.HTTP_200_OK: FeeForecastSerializer}),
    )
    def get(self, request, firm_id):
        firm = selectors.portfolio_firm_get_for_user(user=request.user, firm_id=firm_id)
        today = timezone.localdate()
        periods = selectors.fee_forecast(request.user, firm=firm, today=today)
        return Response(
            FeeForecastSerializer({"firm": firm, "today": today, "periods": periods}).data
        )

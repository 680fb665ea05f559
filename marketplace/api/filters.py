import datetime

import django_filters as filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import extend_schema_field
from rest_framework import filters as drf_filters
from rest_framework import serializers

from core.models import AuditEvent
from marketplace.choices import District, Industry
from marketplace.models import Agency, Firm, Incubator, ServiceItem


def _json_list_contains(queryset, field_name, code):
    # JSON `contains` is PostgreSQL-only; the quoted code matches one whole list element
    # in the stored JSON text on SQLite and PostgreSQL alike.
    return queryset.filter(**{f"{field_name}__icontains": f'"{code}"'})


# The largest id the databases store (a signed 64-bit integer).
MAX_ID = 2**63 - 1


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(filters.NumberFilter):
    """A filter on an object id: a whole number the database can hold, else a 400."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class UtcDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time, moved to UTC before it reaches the database.

    ISO 8601 and Python accept UTC offsets up to ±23:59, PostgreSQL only up to ±15:59
    (it raised a DataError, a 500, for "…+20:12"). The instant is kept; a date-time
    whose UTC value falls outside the years 1–9999 is refused.
    """

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(datetime.UTC)
        except OverflowError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class UtcDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UtcDateTimeField


class SearchFilter(drf_filters.SearchFilter):
    """DRF's search, whose refusals (e.g. a NUL character) name the parameter like any field."""

    def get_search_terms(self, request):
        try:
            return super().get_search_terms(request)
        except serializers.ValidationError as error:
            raise serializers.ValidationError({self.search_param: error.detail}) from None


class IncubatorFilter(filters.FilterSet):
    park = IdFilter(field_name="park_id", help_text=_("High-tech park id."))

    class Meta:
        model = Incubator
        fields = ["level", "district", "park"]


class FirmFilter(filters.FilterSet):
    incubator = IdFilter(field_name="incubator_id", help_text=_("Incubator id."))

    class Meta:
        model = Firm
        fields = ["incubator", "district", "industry", "verification"]


class AgencyFilter(filters.FilterSet):
    industry = filters.ChoiceFilter(
        choices=Industry.choices,
        method="filter_industry",
        help_text=_("Agencies that serve this industry."),
    )
    district_served = filters.ChoiceFilter(
        choices=District.choices,
        method="filter_district_served",
        help_text=_("Agencies that serve this district."),
    )

    class Meta:
        model = Agency
        fields = ["status", "kind", "district", "industry", "district_served"]

    def filter_industry(self, queryset, name, value):
        return _json_list_contains(queryset, "industries", value)

    def filter_district_served(self, queryset, name, value):
        return _json_list_contains(queryset, "districts_served", value)


class ServiceItemFilter(filters.FilterSet):
    class Meta:
        model = ServiceItem
        fields = ["area", "unit", "is_active"]


class AuditEventFilter(filters.FilterSet):
    firm = IdFilter(field_name="firm_id", help_text=_("Firm id."))
    agency = IdFilter(field_name="agency_id", help_text=_("Agency id."))
    incubator = IdFilter(field_name="incubator_id", help_text=_("Incubator id."))
    since = UtcDateTimeFilter(
        field_name="at", lookup_expr="gte", help_text=_("Events at or after this time.")
    )

    class Meta:
        model = AuditEvent
        fields = ["action", "firm", "agency", "incubator", "since"]

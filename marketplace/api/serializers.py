"""API representations of participants, catalogue and audit trail.

State fields (verification, status and their reasons and dates) are read-only
here: they change only through the state actions.
"""

import functools

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.models import AuditEvent
from marketplace import selectors
from marketplace.choices import District, Industry
from marketplace.models import (
    Agency,
    Firm,
    HighTechPark,
    Incubator,
    PackageItem,
    ProgrammeYear,
    ServiceItem,
    User,
)
from marketplace.validators import normalise_credit_code


class CreditCodeField(serializers.CharField):
    """Accepts a credit code as people paste it (spaces, dashes, lower case) and stores it compact."""

    def to_internal_value(self, data):
        return normalise_credit_code(super().to_internal_value(data))


class CreditCodeSerializerMixin:
    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if field_name == "credit_code":
            field_class = CreditCodeField
            # validate_credit_code names the length itself; DRF's max-length message would repeat it.
            kwargs.pop("max_length", None)
        return field_class, kwargs


def _user(serializer):
    request = serializer.context.get("request")
    return getattr(request, "user", None)


@functools.cache
def _choice_labels(model_field, language):
    return {value: str(label) for value, label in model_field.flatchoices}


class LabelField(serializers.CharField):
    """The label of a choice field in the caller's language; `source` names the stored value
    ("status", "service_item.area").

    Faster than source="get_status_display": that method rebuilds a dict of the field's lazy
    choices on every call and DRF inspects its signature before each call, about half the
    time of serialising a list of engagements. The labels are computed once per language.
    """

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def bind(self, field_name, parent):
        super().bind(field_name, parent)
        model = parent.Meta.model
        *path, name = self.source_attrs
        for attr in path:
            model = model._meta.get_field(attr).related_model
        self.model_field = model._meta.get_field(name)

    def to_representation(self, value):
        return _choice_labels(self.model_field, get_language()).get(value, value)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Why; required for rejections and suspensions, and shown to the party."),
    )


class CredentialsSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class MeSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(
        source="__str__", read_only=True, help_text=_("The name shown to other people.")
    )
    role_display = LabelField(source="role")
    firm = serializers.IntegerField(source="firm_id", read_only=True, allow_null=True)
    agency = serializers.IntegerField(source="agency_id", read_only=True, allow_null=True)
    incubator = serializers.IntegerField(source="incubator_id", read_only=True, allow_null=True)
    is_programme_officer = serializers.BooleanField(read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "display_name",
            "role",
            "role_display",
            "firm",
            "agency",
            "incubator",
            "is_agency_admin",
            "is_programme_officer",
        ]
        read_only_fields = fields


class HighTechParkSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(read_only=True)
    district_display = LabelField(source="district")

    class Meta:
        model = HighTechPark
        fields = [
            "id",
            "name",
            "name_en",
            "display_name",
            "district",
            "district_display",
            "updated_at",
        ]
        read_only_fields = fields


class IncubatorSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(read_only=True)
    level_display = LabelField(source="level")
    district_display = LabelField(source="district")
    park_name = serializers.CharField(source="park.display_name", read_only=True, allow_null=True)

    class Meta:
        model = Incubator
        fields = [
            "id",
            "name",
            "name_en",
            "display_name",
            "level",
            "level_display",
            "district",
            "district_display",
            "park",
            "park_name",
            "address",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at"]

    def get_fields(self):
        fields = super().get_fields()
        fields["park"].queryset = selectors.parks_visible_to(_user(self))
        return fields

    def validate_name(self, value):
        # The database refuses names that differ only in case, but with an unreadable message.
        others = Incubator.objects.filter(name__iexact=value)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise serializers.ValidationError(_("Another incubator already has this name."))
        return value


class FirmSerializer(CreditCodeSerializerMixin, serializers.ModelSerializer):
    incubator_name = serializers.CharField(source="incubator.display_name", read_only=True)
    district_display = LabelField(source="district")
    industry_display = LabelField(source="industry")
    revenue_band_display = LabelField(source="revenue_band")
    verification_display = LabelField(source="verification")

    class Meta:
        model = Firm
        fields = [
            "id",
            "name",
            "credit_code",
            "district",
            "district_display",
            "incubator",
            "incubator_name",
            "admitted_on",
            "incubation_ends_on",
            "industry",
            "industry_display",
            "headcount",
            "revenue_band",
            "revenue_band_display",
            "sme_sector",
            "annual_revenue",
            "total_assets",
            "description",
            "verification",
            "verification_display",
            "verification_reason",
            "verified_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "verification",
            "verification_reason",
            "verified_at",
            "created_at",
        ]

    def get_fields(self):
        fields = super().get_fields()
        fields["incubator"].queryset = selectors.incubators_visible_to(_user(self))
        return fields


class AgencySerializer(CreditCodeSerializerMixin, serializers.ModelSerializer):
    display_name = serializers.CharField(read_only=True)
    expertise_display = serializers.CharField(
        source="display_expertise",
        read_only=True,
        help_text=_("The expertise in the request's language, else in the other language."),
    )
    kind_display = LabelField(source="kind")
    status_display = LabelField(source="status")
    district_display = LabelField(source="district")
    industries = serializers.ListField(
        child=serializers.ChoiceField(choices=Industry.choices),
        required=False,
        help_text=_("Industry codes served."),
    )
    industries_display = serializers.ListField(
        child=serializers.CharField(), source="get_industries_display", read_only=True
    )
    districts_served = serializers.ListField(
        child=serializers.ChoiceField(choices=District.choices),
        required=False,
        help_text=_("District codes served."),
    )
    districts_served_display = serializers.ListField(
        child=serializers.CharField(), source="get_districts_served_display", read_only=True
    )

    class Meta:
        model = Agency
        fields = [
            "id",
            "name",
            "name_en",
            "display_name",
            "credit_code",
            "kind",
            "kind_display",
            "licence_number",
            "licence_valid_from",
            "licence_valid_until",
            "district",
            "district_display",
            "service_items",
            "industries",
            "industries_display",
            "districts_served",
            "districts_served_display",
            "expertise",
            "expertise_en",
            "expertise_display",
            "yearly_capacity",
            "status",
            "status_display",
            "status_reason",
            "approved_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["status", "status_reason", "approved_at", "created_at"]

    def get_fields(self):
        fields = super().get_fields()
        fields["service_items"].child_relation.queryset = selectors.service_items_visible_to(
            _user(self)
        )
        return fields

    def validate(self, attrs):
        start = attrs.get("licence_valid_from", getattr(self.instance, "licence_valid_from", None))
        end = attrs.get("licence_valid_until", getattr(self.instance, "licence_valid_until", None))
        if start and end and end < start:
            raise serializers.ValidationError(
                {"licence_valid_until": _("The licence cannot end before it starts.")}
            )
        return attrs


class ServiceItemSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(read_only=True)
    area_display = LabelField(source="area")
    unit_display = LabelField(source="unit")

    class Meta:
        model = ServiceItem
        fields = [
            "id",
            "code",
            "area",
            "area_display",
            "name",
            "name_en",
            "display_name",
            "description",
            "unit",
            "unit_display",
            "unit_price",
            "is_active",
            "updated_at",
        ]


class PackageItemSerializer(serializers.ModelSerializer):
    service_item_code = serializers.CharField(source="service_item.code", read_only=True)
    service_item_name = serializers.CharField(source="service_item.display_name", read_only=True)
    unit = serializers.CharField(source="service_item.unit", read_only=True)
    unit_price = serializers.DecimalField(
        source="service_item.unit_price", max_digits=10, decimal_places=2, read_only=True
    )

    class Meta:
        model = PackageItem
        fields = [
            "id",
            "service_item",
            "service_item_code",
            "service_item_name",
            "unit",
            "unit_price",
            "quota",
            "is_standard",
        ]

    def get_fields(self):
        fields = super().get_fields()
        fields["service_item"].queryset = selectors.service_items_visible_to(_user(self))
        return fields


class ProgrammeYearSerializer(serializers.ModelSerializer):
    max_revenue_band_display = LabelField(source="max_revenue_band")
    is_open = serializers.BooleanField(read_only=True)
    package_price = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        read_only=True,
        help_text=_("List price of the standard package, from its items."),
    )
    package_items = PackageItemSerializer(
        many=True,
        required=False,
        help_text=_(
            "On a write, items are added or their quota changed, matched by service item; "
            "items not listed are kept."
        ),
    )

    class Meta:
        model = ProgrammeYear
        fields = [
            "id",
            "year",
            "name",
            "budget",
            "target_firms",
            "government_share",
            "copay_cap",
            "copay_due_days",
            "max_headcount",
            "max_revenue_band",
            "max_revenue_band_display",
            "opens_on",
            "closes_on",
            "offer_response_days",
            "auto_offer_next",
            "is_open",
            "package_price",
            "package_items",
            "updated_at",
        ]

    def validate_package_items(self, items):
        codes = [item["service_item"].pk for item in items]
        if len(codes) != len(set(codes)):
            raise serializers.ValidationError(_("Each service item may appear only once."))
        return items


class AuditEventSerializer(serializers.ModelSerializer):
    actor_name = serializers.StringRelatedField(source="actor", allow_null=True)
    subject_type = serializers.SerializerMethodField(
        help_text=_('The subject\'s model as "app_label.model", e.g. "marketplace.firm".')
    )

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "at",
            "actor",
            "actor_name",
            "action",
            "subject_type",
            "subject_id",
            "subject_repr",
            "from_state",
            "to_state",
            "reason",
            "data",
            "firm",
            "agency",
            "incubator",
        ]
        read_only_fields = fields

    def get_subject_type(self, event) -> str:
        return f"{event.subject_type.app_label}.{event.subject_type.model}"

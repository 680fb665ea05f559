"""API representations of custody requests, offers, engagements and changes of agency
(cohort allocations and notifications: marketplace.api.allocation_serializers).

Everything here is output or input validation only: states change through the
actions in marketplace.actions, and the words of reasons, rules and notices are
rendered in the caller's language when the response is built.
"""

from collections import Counter

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from marketplace import selectors
from marketplace.api.serializers import LabelField
from marketplace.explain import (
    describe_candidate,
    describe_constraint,
    describe_reason,
    describe_reasons,
)
from marketplace.models import (
    Agency,
    AgencyChange,
    CustodyRequest,
    Engagement,
    EngagementItem,
    Offer,
    ProgrammeYear,
    RequestItem,
    ServiceItem,
)

# Labels of the matching score's components (marketplace.matching.score names them).
COMPONENT_LABELS = {
    "coverage": _("Service coverage"),
    "industry": _("Industry fit"),
    "district": _("District"),
    "capacity": _("Free capacity"),
    "track": _("Track record"),
}


def _user(serializer):
    request = serializer.context.get("request")
    return getattr(request, "user", None)


# --- Shared pieces ----------------------------------------------------------------------


class MatchReasonSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("A stable code, e.g. coverage or same_district."))
    text = serializers.CharField(help_text=_("The reason in the caller's language."))


def _reason_rows(reasons):
    return [
        {"code": reason["code"], "text": describe_reason(reason["code"], reason.get("params"))}
        for reason in reasons
    ]


class RequestItemSerializer(serializers.ModelSerializer):
    service_item_code = serializers.CharField(source="service_item.code", read_only=True)
    service_item_name = serializers.CharField(source="service_item.display_name", read_only=True)
    area = serializers.CharField(source="service_item.area", read_only=True)
    area_display = LabelField(source="service_item.area")
    unit_display = LabelField(source="service_item.unit")
    unit_price = serializers.DecimalField(
        source="service_item.unit_price", max_digits=10, decimal_places=2, read_only=True
    )

    class Meta:
        model = RequestItem
        fields = [
            "service_item",
            "service_item_code",
            "service_item_name",
            "area",
            "area_display",
            "quota",
            "unit_display",
            "unit_price",
            "is_extra",
        ]
        read_only_fields = fields


# --- Custody requests ---------------------------------------------------------------------


class OfferSummarySerializer(serializers.ModelSerializer):
    agency_name = serializers.CharField(source="agency.display_name", read_only=True)
    status_display = LabelField(source="status")

    class Meta:
        model = Offer
        fields = [
            "id",
            "agency",
            "agency_name",
            "status",
            "status_display",
            "sent_at",
            "respond_by",
            "updated_at",
        ]
        read_only_fields = fields


class CustodyRequestSerializer(serializers.ModelSerializer):
    firm_name = serializers.CharField(source="firm.name", read_only=True)
    incubator = serializers.IntegerField(source="firm.incubator_id", read_only=True)
    year = serializers.IntegerField(source="programme_year.year", read_only=True)
    status_display = LabelField(source="status")
    items = RequestItemSerializer(many=True, read_only=True)
    offers = OfferSummarySerializer(
        many=True,
        read_only=True,
        help_text=_("The offers of this request that the caller may see, newest first."),
    )
    timeline = serializers.HyperlinkedIdentityField(
        view_name="api:custody-request-timeline",
        help_text=_("The request's history, with its offers and engagements."),
    )

    class Meta:
        model = CustodyRequest
        fields = [
            "id",
            "firm",
            "firm_name",
            "incubator",
            "programme_year",
            "year",
            "needs",
            "status",
            "status_display",
            "submitted_at",
            "waitlisted_at",
            "items",
            "offers",
            "timeline",
            "updated_at",
        ]
        read_only_fields = fields


class RequestItemInputSerializer(serializers.Serializer):
    service_item = serializers.PrimaryKeyRelatedField(queryset=ServiceItem.objects.none())
    quota = serializers.IntegerField(
        min_value=1, help_text=_("Up to the programme's quota for the item.")
    )

    def get_fields(self):
        fields = super().get_fields()
        fields["service_item"].queryset = selectors.service_items_visible_to(_user(self))
        return fields


class CustodyRequestCreateSerializer(serializers.Serializer):
    programme_year = serializers.PrimaryKeyRelatedField(
        queryset=ProgrammeYear.objects.none(),
        required=False,
        allow_null=True,
        help_text=_("Defaults to the programme year taking applications today."),
    )
    items = RequestItemInputSerializer(
        many=True,
        required=False,
        help_text=_("Defaults to the programme year's standard package."),
    )
    needs = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_("What the firm needs, in its own words; matching reads it."),
    )

    def get_fields(self):
        fields = super().get_fields()
        fields["programme_year"].queryset = selectors.programme_years_visible_to(_user(self))
        return fields

    def validate_items(self, items):
        chosen = [item["service_item"].pk for item in items]
        if len(chosen) != len(set(chosen)):
            raise serializers.ValidationError(_("Each service item may appear only once."))
        return items

    def validate(self, attrs):
        """Fill in the open programme year and its standard package, as quotas by item id."""
        programme_year = attrs.get("programme_year") or selectors.programme_year_open()
        if programme_year is None:
            raise serializers.ValidationError(
                {"programme_year": _("No programme year is taking applications today.")}
            )
        if attrs.get("items"):
            quotas = {item["service_item"].pk: item["quota"] for item in attrs["items"]}
        else:
            quotas = {
                item.service_item_id: item.quota
                for item in programme_year.package_items.all()
                if item.is_standard
            }
        return {"programme_year": programme_year, "quotas": quotas, "needs": attrs["needs"]}


class CandidateQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(
        required=False,
        default=10,
        min_value=1,
        max_value=100,
        help_text=_("How many of the best candidates to return."),
    )


class ScoreComponentSerializer(serializers.Serializer):
    name = serializers.CharField(help_text=_("coverage, industry, district, capacity or track."))
    label = serializers.CharField(help_text=_("The component's name in the caller's language."))
    points = serializers.FloatField(
        help_text=_("Points earned; the components add up to the score.")
    )
    weight = serializers.FloatField(help_text=_("Most points the component can give."))


class CandidateSerializer(serializers.Serializer):
    """One ranked agency; the instance is {"rank", "candidate", "agency_name"}."""

    rank = serializers.IntegerField(help_text=_("1 for the best match."))
    agency = serializers.IntegerField(source="candidate.agency_id")
    agency_name = serializers.CharField()
    score = serializers.FloatField(source="candidate.score", help_text=_("0–100."))
    components = serializers.SerializerMethodField()
    reasons = serializers.SerializerMethodField()
    explanation = serializers.SerializerMethodField(
        help_text=_('The reasons in one line, e.g. "covers 3 of 3 items; same district".')
    )

    @extend_schema_field(ScoreComponentSerializer(many=True))
    def get_components(self, row):
        components = row["candidate"].components
        # Scale to a score of 0–100 whatever the weights add up to.
        scale = 100.0 / (sum(component.weight for component in components) or 1.0)
        return [
            {
                "name": component.name,
                "label": str(COMPONENT_LABELS.get(component.name, component.name)),
                "points": round(component.points * component.weight * scale, 2),
                "weight": round(component.weight * scale, 2),
            }
            for component in components
        ]

    @extend_schema_field(MatchReasonSerializer(many=True))
    def get_reasons(self, row):
        return [
            {"code": reason.code, "text": describe_reason(reason.code, reason.params)}
            for reason in row["candidate"].reasons
        ]

    def get_explanation(self, row) -> str:
        return describe_candidate(row["candidate"])


class ExclusionCountSerializer(serializers.Serializer):
    constraint = serializers.CharField(help_text=_("e.g. items_not_served or no_capacity."))
    text = serializers.CharField()
    count = serializers.IntegerField(help_text=_("How many agencies this rule excluded."))


class CandidatesSerializer(serializers.Serializer):
    candidates = CandidateSerializer(many=True)
    excluded_count = serializers.IntegerField(
        help_text=_("Agencies left out by a hard constraint (licence, capacity, items, conflict).")
    )
    excluded = ExclusionCountSerializer(many=True, help_text=_("Why they were left out."))

    @classmethod
    def from_ranking(cls, ranking, agencies):
        """The ranking as serialisable rows; `agencies` maps ids to visible agencies."""
        counts = Counter(exclusion.constraint for exclusion in ranking.excluded)
        return cls(
            {
                "candidates": [
                    {
                        "rank": position,
                        "candidate": candidate,
                        "agency_name": agencies[candidate.agency_id].display_name
                        if candidate.agency_id in agencies
                        else "",
                    }
                    for position, candidate in enumerate(ranking.candidates, start=1)
                ],
                "excluded_count": len(ranking.excluded),
                "excluded": [
                    {"constraint": code, "text": describe_constraint(code), "count": count}
                    for code, count in counts.most_common()
                ],
            }
        )


class ChooseAgencySerializer(serializers.Serializer):
    agency = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.none(),
        help_text=_("One of the request's candidates."),
    )

    def get_fields(self):
        fields = super().get_fields()
        fields["agency"].queryset = selectors.agencies_visible_to(_user(self))
        return fields


# --- Offers ----------------------------------------------------------------------------------


class OfferSerializer(serializers.ModelSerializer):
    firm = serializers.IntegerField(source="request.firm_id", read_only=True)
    firm_name = serializers.CharField(source="request.firm.name", read_only=True)
    firm_district_display = LabelField(source="request.firm.district")
    firm_industry_display = LabelField(source="request.firm.industry")
    needs = serializers.CharField(source="request.needs", read_only=True)
    agency_name = serializers.CharField(source="agency.display_name", read_only=True)
    status_display = LabelField(source="status")
    source_display = LabelField(source="source")
    score = serializers.FloatField(read_only=True, help_text=_("Match score, 0–100."))
    reasons = serializers.SerializerMethodField()
    explanation = serializers.SerializerMethodField()
    items = RequestItemSerializer(source="request.items", many=True, read_only=True)
    seconds_left = serializers.SerializerMethodField(
        help_text=_("Seconds until the deadline while the offer waits; null once answered.")
    )
    engagement = serializers.SerializerMethodField(
        help_text=_("The engagement the acceptance started, if any.")
    )

    class Meta:
        model = Offer
        fields = [
            "id",
            "request",
            "firm",
            "firm_name",
            "firm_district_display",
            "firm_industry_display",
            "needs",
            "agency",
            "agency_name",
            "status",
            "status_display",
            "source",
            "source_display",
            "score",
            "rank",
            "reasons",
            "explanation",
            "items",
            "sent_at",
            "respond_by",
            "seconds_left",
            "deadline_provisional",
            "responded_at",
            "decline_reason",
            "engagement",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(MatchReasonSerializer(many=True))
    def get_reasons(self, offer):
        return _reason_rows(offer.reasons)

    def get_explanation(self, offer) -> str:
        return describe_reasons(offer.reasons)

    def get_seconds_left(self, offer) -> int | None:
        if offer.status != Offer.Status.PENDING:
            return None
        return max(0, int((offer.respond_by - timezone.now()).total_seconds()))

    def get_engagement(self, offer) -> int | None:
        try:
            return offer.engagement.pk
        except ObjectDoesNotExist:
            return None


# --- Engagements and changes of agency -----------------------------------------------------


class EngagementItemSerializer(serializers.ModelSerializer):
    service_item_code = serializers.CharField(source="service_item.code", read_only=True)
    service_item_name = serializers.CharField(source="service_item.display_name", read_only=True)
    unit_display = LabelField(source="service_item.unit")
    amount = serializers.SerializerMethodField(help_text=_("Quota × agreed unit price (CNY)."))

    class Meta:
        model = EngagementItem
        fields = [
            "id",
            "service_item",
            "service_item_code",
            "service_item_name",
            "quota",
            "unit_display",
            "unit_price",
            "amount",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DecimalField(max_digits=12, decimal_places=2))
    def get_amount(self, item):
        return f"{item.unit_price * item.quota:.2f}"


class EngagementSerializer(serializers.ModelSerializer):
    firm_name = serializers.CharField(source="firm.name", read_only=True)
    agency_name = serializers.CharField(source="agency.display_name", read_only=True)
    year = serializers.IntegerField(source="programme_year.year", read_only=True)
    status_display = LabelField(source="status")
    items = EngagementItemSerializer(many=True, read_only=True)
    successor = serializers.SerializerMethodField(
        help_text=_("The engagement that took over after a change of agency, if any.")
    )

    class Meta:
        model = Engagement
        fields = [
            "id",
            "request",
            "offer",
            "firm",
            "firm_name",
            "agency",
            "agency_name",
            "programme_year",
            "year",
            "status",
            "status_display",
            "starts_on",
            "ends_on",
            "package_price",
            "government_amount",
            "copay_amount",
            "items",
            "previous",
            "successor",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_successor(self, engagement) -> int | None:
        try:
            return engagement.successor.pk
        except ObjectDoesNotExist:
            return None


class ChangeAgencySerializer(serializers.Serializer):
    new_agency = serializers.PrimaryKeyRelatedField(queryset=Agency.objects.none())
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Why the firm wants to move; required, and shown to the programme office."),
    )

    def get_fields(self):
        fields = super().get_fields()
        fields["new_agency"].queryset = selectors.agencies_visible_to(_user(self))
        return fields


class AgencyChangeSerializer(serializers.ModelSerializer):
    firm = serializers.IntegerField(source="engagement.firm_id", read_only=True)
    firm_name = serializers.CharField(source="engagement.firm.name", read_only=True)
    agency = serializers.IntegerField(source="engagement.agency_id", read_only=True)
    agency_name = serializers.CharField(source="engagement.agency.display_name", read_only=True)
    new_agency_name = serializers.CharField(source="new_agency.display_name", read_only=True)
    status_display = LabelField(source="status")

    class Meta:
        model = AgencyChange
        fields = [
            "id",
            "engagement",
            "firm",
            "firm_name",
            "agency",
            "agency_name",
            "new_agency",
            "new_agency_name",
            "reason",
            "status",
            "status_display",
            "requested_at",
            "decided_at",
            "decision_reason",
            "updated_at",
        ]
        read_only_fields = fields

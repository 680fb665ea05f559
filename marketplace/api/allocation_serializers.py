"""API representations of cohort allocations and notifications.

Output and input validation only: allocations are previewed and committed through
marketplace.actions, and notices are worded in the caller's language when shown.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.formatting import join_words
from core.models import Notification
from core.notices import notification_text
from marketplace import selectors
from marketplace.api.contracting_serializers import ExclusionCountSerializer, _user
from marketplace.api.serializers import LabelField
from marketplace.explain import describe_constraint
from marketplace.models import AllocationRun, ProgrammeYear

# --- Cohort allocation ---------------------------------------------------------------------


class AllocationRunCreateSerializer(serializers.Serializer):
    programme_year = serializers.PrimaryKeyRelatedField(
        queryset=ProgrammeYear.objects.none(),
        required=False,
        allow_null=True,
        help_text=_("Defaults to the programme year taking applications today."),
    )
    requests = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        allow_null=True,
        help_text=_("Custody request ids to allocate; every open request of the year if left out."),
    )

    def get_fields(self):
        fields = super().get_fields()
        fields["programme_year"].queryset = selectors.programme_years_visible_to(_user(self))
        return fields

    def validate_requests(self, ids):
        if ids is None:
            return None
        known = set(
            selectors.custody_requests_visible_to(_user(self))
            .filter(pk__in=ids)
            .values_list("pk", flat=True)
        )
        unknown = sorted(set(ids) - known)
        if unknown:
            raise serializers.ValidationError(
                _("No such custody request: %(ids)s.") % {"ids": join_words(unknown)}
            )
        return ids

    def validate(self, attrs):
        programme_year = attrs.get("programme_year") or selectors.programme_year_open()
        if programme_year is None:
            raise serializers.ValidationError(
                {"programme_year": _("No programme year is taking applications today.")}
            )
        return {"programme_year": programme_year, "request_ids": attrs.get("requests")}


class AssignmentSerializer(serializers.Serializer):
    request = serializers.IntegerField()
    firm = serializers.IntegerField(allow_null=True)
    firm_name = serializers.CharField()
    agency = serializers.IntegerField()
    agency_name = serializers.CharField()
    score = serializers.FloatField()


class UnplacedSerializer(serializers.Serializer):
    request = serializers.IntegerField()
    firm_name = serializers.CharField()
    constraint = serializers.CharField(
        help_text=_("Why the firm could not be placed, e.g. capacity_taken or items_not_served.")
    )
    text = serializers.CharField(help_text=_("The reason in the caller's language."))
    eligible_agencies = serializers.IntegerField(
        allow_null=True,
        help_text=_("Agencies that could serve the firm but whose places went to others."),
    )
    excluded = ExclusionCountSerializer(
        many=True, help_text=_("When no agency could serve the firm: why, by rule.")
    )


class AgencyLoadSerializer(serializers.Serializer):
    agency = serializers.IntegerField()
    agency_name = serializers.CharField()
    assigned = serializers.IntegerField(help_text=_("Firms this run gives the agency."))
    free = serializers.IntegerField(help_text=_("Places the agency had free before the run."))


class AllocationRunSummarySerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="programme_year.year", read_only=True)
    status_display = LabelField(source="status")
    created_by_name = serializers.CharField(source="created_by.__str__", read_only=True)
    request_count = serializers.SerializerMethodField()
    placed = serializers.SerializerMethodField(help_text=_("Firms the solver placed."))
    unplaced_count = serializers.SerializerMethodField()
    objective = serializers.SerializerMethodField(
        help_text=_("Sum of the match scores of the placements.")
    )

    class Meta:
        model = AllocationRun
        fields = [
            "id",
            "programme_year",
            "year",
            "status",
            "status_display",
            "created_by",
            "created_by_name",
            "created_at",
            "committed_at",
            "request_count",
            "placed",
            "unplaced_count",
            "objective",
            "updated_at",
        ]
        read_only_fields = fields

    def get_request_count(self, run) -> int:
        return len(run.request_ids)

    def get_placed(self, run) -> int:
        return run.result.get("placed", 0)

    def get_unplaced_count(self, run) -> int:
        return len(run.result.get("unplaced", []))

    def get_objective(self, run) -> float:
        return run.result.get("objective", 0.0)


class AllocationRunSerializer(AllocationRunSummarySerializer):
    """A run with its whole result; context carries "requests" and "agencies" by id."""

    greedy_objective = serializers.SerializerMethodField(
        help_text=_("What a first-come greedy assignment would score, for comparison.")
    )
    greedy_placed = serializers.SerializerMethodField()
    assignments = serializers.SerializerMethodField()
    unplaced = serializers.SerializerMethodField()
    load = serializers.SerializerMethodField(help_text=_("Per agency: firms assigned and room."))
    committed_offers = serializers.SerializerMethodField(
        help_text=_("Offers the commit sent (empty before the commit).")
    )
    skipped = serializers.SerializerMethodField(
        help_text=_("Requests the commit skipped because they were no longer open.")
    )

    class Meta(AllocationRunSummarySerializer.Meta):
        fields = [
            *AllocationRunSummarySerializer.Meta.fields,
            "greedy_objective",
            "greedy_placed",
            "assignments",
            "unplaced",
            "load",
            "committed_offers",
            "skipped",
        ]
        read_only_fields = fields

    def _agency_name(self, agency_id, fallback=""):
        agency = self.context.get("agencies", {}).get(agency_id)
        return agency.display_name if agency is not None else fallback

    def get_greedy_objective(self, run) -> float:
        return run.result.get("greedy", {}).get("objective", 0.0)

    def get_greedy_placed(self, run) -> int:
        return run.result.get("greedy", {}).get("placed", 0)

    @extend_schema_field(AssignmentSerializer(many=True))
    def get_assignments(self, run):
        requests = self.context.get("requests", {})
        rows = []
        for assignment in run.result.get("assignments", []):
            request = requests.get(assignment["request"])
            rows.append(
                {
                    "request": assignment["request"],
                    "firm": request.firm_id if request else None,
                    "firm_name": request.firm.name if request else "",
                    "agency": assignment["agency"],
                    "agency_name": self._agency_name(assignment["agency"]),
                    "score": assignment["score"],
                }
            )
        return rows

    @extend_schema_field(UnplacedSerializer(many=True))
    def get_unplaced(self, run):
        return [
            {
                "request": row["request"],
                "firm_name": row.get("firm", ""),
                "constraint": row["constraint"],
                "text": describe_constraint(row["constraint"]),
                "eligible_agencies": row.get("eligible_agencies"),
                "excluded": [
                    {"constraint": code, "text": describe_constraint(code), "count": count}
                    for code, count in sorted(
                        row.get("agencies", {}).items(), key=lambda item: (-item[1], item[0])
                    )
                ],
            }
            for row in run.result.get("unplaced", [])
        ]

    @extend_schema_field(AgencyLoadSerializer(many=True))
    def get_load(self, run):
        return [
            {
                "agency": row["agency"],
                "agency_name": self._agency_name(row["agency"], row.get("name", "")),
                "assigned": row["assigned"],
                "free": row["free"],
            }
            for row in run.result.get("load", [])
        ]

    def get_committed_offers(self, run) -> list[int]:
        return run.result.get("committed_offers", [])

    def get_skipped(self, run) -> list[int]:
        return run.result.get("skipped", [])


# --- Notifications ----------------------------------------------------------------------------


class NotificationSerializer(serializers.ModelSerializer):
    text = serializers.SerializerMethodField(help_text=_("The notice in the caller's language."))
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "text", "params", "read", "created_at", "read_at", "updated_at"]
        read_only_fields = fields

    def get_text(self, notification) -> str:
        return notification_text(notification.kind, notification.params)

    def get_read(self, notification) -> bool:
        return notification.read_at is not None


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField()


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text=_("How many notices were unread."))

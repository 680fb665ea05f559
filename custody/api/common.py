"""What the custody API's views share: who may call what, the documented refusals, evidence."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission

from core.api.problems import ProblemSerializer
from custody.models import EvidenceFile

# The roles that take part in an engagement (the programme office reads everything).
PARTY_ROLES = ("firm_member", "agency_staff", "incubator_manager", "programme_officer")


class _Role(BasePermission):
    """Answers the wrong role early with a 403; the action checks the person again."""

    roles = ()

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return any(getattr(user, f"is_{role}") for role in self.roles)


class Parties(_Role):
    message = _("Only the parties of an engagement and the programme office can see this.")
    roles = PARTY_ROLES


class FirmMembers(_Role):
    message = _("Only a member of the firm can do this.")
    roles = ("firm_member",)


class AgencyStaff(_Role):
    message = _("Only staff of the custody agency can do this.")
    roles = ("agency_staff",)


class PortfolioEditors(_Role):
    message = _("Only the firm or its custody agency can do this.")
    roles = ("firm_member", "agency_staff")


class IncubatorManagers(_Role):
    message = _("Only the manager of the firm's incubator can do this.")
    roles = ("incubator_manager",)


class ProgrammeOfficers(_Role):
    message = _("Only a programme officer can do this.")
    roles = ("programme_officer",)


def refused(answers):
    """The answers of a state change: its success, and the refusals every action can give."""
    responses = {
        status.HTTP_400_BAD_REQUEST: OpenApiResponse(
            ProblemSerializer, description=_("The input is refused; each field named.")
        ),
        status.HTTP_403_FORBIDDEN: OpenApiResponse(
            ProblemSerializer, description=_("The caller's role or person may not do this.")
        ),
        status.HTTP_404_NOT_FOUND: OpenApiResponse(
            ProblemSerializer, description=_("Not found, or not visible to the caller.")
        ),
        status.HTTP_409_CONFLICT: OpenApiResponse(
            ProblemSerializer, description=_("The object's state does not allow this.")
        ),
    }
    responses.update(answers)
    return responses


class EvidenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = EvidenceFile
        fields = ["id", "name", "content_type", "size", "sha256", "uploaded_at"]
        read_only_fields = fields


def evidence_files_field():
    """The evidence files of a multipart upload (the field may be repeated)."""
    return serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        max_length=20,
        help_text=_("Evidence files (PDF, images, office documents); repeat the field per file."),
    )

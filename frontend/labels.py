"""Words and colours for states and audit actions, shared by the portal templates."""

from django.utils.translation import gettext_lazy as _

from marketplace.models import Agency, Firm

AUDIT_ACTIONS = {
    "firm.registered": _("Signed up"),
    "firm.verified": _("Confirmed by the incubator"),
    "firm.rejected": _("Rejected by the incubator"),
    "firm.created": _("Entered by the programme office"),
    "firm.updated": _("Details changed"),
    "agency.applied": _("Applied to the programme"),
    "agency.approved": _("Approved by the programme office"),
    "agency.rejected": _("Rejected by the programme office"),
    "agency.suspended": _("Suspended by the programme office"),
    "agency.created": _("Entered by the programme office"),
    "agency.updated": _("Details changed"),
    "incubator.created": _("Entered by the programme office"),
    "incubator.updated": _("Details changed"),
}

# The same code ("rejected") means different things for firms and agencies.
STATE_LABELS = {
    "firm": dict(Firm.Verification.choices),
    "agency": dict(Agency.Status.choices),
}

STATE_COLOURS = {
    Firm.Verification.PENDING: "warning",
    Firm.Verification.VERIFIED: "success",
    Firm.Verification.REJECTED: "danger",
    Agency.Status.APPLIED: "info",
    Agency.Status.APPROVED: "success",
    Agency.Status.SUSPENDED: "secondary",
}

# Licences expiring within this many days are flagged so they are renewed in time.
LICENCE_WARNING_DAYS = 90

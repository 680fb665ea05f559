"""Words and colours for states and audit actions, shared by the portal templates."""

from django.utils.translation import gettext_lazy as _

from marketplace.models import (
    Agency,
    AgencyChange,
    AllocationRun,
    CustodyRequest,
    Engagement,
    Firm,
    Offer,
)

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
    "request.submitted": _("Custody requested"),
    "request.offered": _("Offered to an agency"),
    "request.reopened": _("Open for another choice"),
    "request.engaged": _("Custody started"),
    "request.waitlisted": _("Put on the budget waiting list"),
    "request.waitlist_served": _("Taken off the waiting list"),
    "request.withdrawn": _("Request withdrawn"),
    "offer.sent": _("Offer sent"),
    "offer.accepted": _("Offer accepted"),
    "offer.declined": _("Offer declined"),
    "offer.expired": _("Offer expired unanswered"),
    "offer.withdrawn": _("Offer withdrawn"),
    "engagement.started": _("Engagement started"),
    "engagement.cancelled": _("Engagement cancelled"),
    "engagement.transferred": _("Moved to another agency"),
    "engagement.change_requested": _("Change of agency requested"),
    "engagement.change_refused": _("Change of agency refused"),
    "engagement.completed": _("Engagement completed"),
    "service.logged": _("Service logged by the agency"),
    "service.confirmed": _("Service confirmed by the firm"),
    "service.disputed": _("Service disputed by the firm"),
    "service.resubmitted": _("Disputed service corrected"),
    "service.training_counted": _("Training attendance counted"),
    "service.training_voided": _("Training attendance withdrawn"),
    "settlement.rated": _("Rated by the firm"),
    "settlement.confirmed": _("Settlement confirmed by the incubator"),
    "settlement.approved": _("Settlement approved"),
    "allocation.previewed": _("Allocation previewed"),
    "allocation.committed": _("Allocation committed"),
}

# The same code ("rejected") means different things for firms and agencies, so labels
# are looked up by model name (the audit event's subject type names the same models).
STATE_LABELS = {
    "firm": dict(Firm.Verification.choices),
    "agency": dict(Agency.Status.choices),
    "custodyrequest": dict(CustodyRequest.Status.choices),
    "offer": dict(Offer.Status.choices),
    "engagement": dict(Engagement.Status.choices),
    "agencychange": dict(AgencyChange.Status.choices),
    "allocationrun": dict(AllocationRun.Status.choices),
}

STATE_COLOURS = {
    Firm.Verification.PENDING: "warning",
    Firm.Verification.VERIFIED: "success",
    Firm.Verification.REJECTED: "danger",
    Agency.Status.APPLIED: "info",
    Agency.Status.APPROVED: "success",
    Agency.Status.SUSPENDED: "secondary",
    CustodyRequest.Status.OPEN: "info",
    CustodyRequest.Status.OFFERED: "warning",
    CustodyRequest.Status.ENGAGED: "success",
    CustodyRequest.Status.WAITLISTED: "secondary",
    CustodyRequest.Status.WITHDRAWN: "light",
    Offer.Status.ACCEPTED: "success",
    Offer.Status.DECLINED: "danger",
    Offer.Status.EXPIRED: "secondary",
    Engagement.Status.AWAITING_PAYMENT: "warning",
    Engagement.Status.ACTIVE: "success",
    Engagement.Status.TRANSFERRED: "secondary",
    Engagement.Status.COMPLETED: "primary",
    Engagement.Status.CANCELLED: "danger",
    AgencyChange.Status.REFUSED: "danger",
    AllocationRun.Status.PREVIEW: "info",
    AllocationRun.Status.COMMITTED: "success",
    AllocationRun.Status.DISCARDED: "light",
}

# Parts of the matching score (marketplace.matching.score names them), in their order.
SCORE_COMPONENTS = {
    "coverage": _("Service coverage"),
    "industry": _("Industry fit"),
    "district": _("District"),
    "capacity": _("Free capacity"),
    "track": _("Track record"),
}

# Licences expiring within this many days are flagged so they are renewed in time.
LICENCE_WARNING_DAYS = 90

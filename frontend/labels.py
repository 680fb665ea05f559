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

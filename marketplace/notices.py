"""The wording of the marketplace's notices (requests, offers, engagements, changes of agency)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.audit import register_actions
from core.notices import register

register(
    {
        "request_submitted": lambda p: _("%(firm)s submitted a custody request.") % p,
        "request_waitlisted": lambda p: (
            _(
                "The programme budget cannot cover %(firm)s's package now; the request is on the waiting list."
            )
            % p
        ),
        "waitlist_served": lambda p: (
            _("Budget was released: %(firm)s can now choose an agency.") % p
        ),
        "offer_received": lambda p: (
            _("New custody offer from %(firm)s; please answer by %(respond_by)s") % p
        ),
        "offer_expiring": lambda p: _("The offer from %(firm)s expires at %(respond_by)s") % p,
        "offer_accepted": lambda p: _("%(agency)s accepted the custody of %(firm)s.") % p,
        "offer_declined": lambda p: _("%(agency)s declined the offer for %(firm)s: %(reason)s") % p,
        "offer_expired": lambda p: (
            _("%(agency)s did not answer the offer for %(firm)s in time.") % p
        ),
        "offer_withdrawn": lambda p: _("The offer for %(firm)s was withdrawn.") % p,
        "allocation_offer": lambda p: (
            _("The programme office allocated %(firm)s to %(agency)s; an offer is waiting.") % p
        ),
        "engagement_cancelled": lambda p: (
            _("The custody of %(firm)s by %(agency)s was cancelled: %(reason)s") % p
        ),
        "engagement_lapsed": lambda p: (
            _(
                "The custody of %(firm)s by %(agency)s was cancelled: the co-payment was not "
                "paid by %(due_by)s."
            )
            % p
        ),
        "licence_expiring": lambda p: (
            ngettext(
                "The licence of %(agency)s ends on %(valid_until)s while it holds the custody "
                "of %(firms)s firm.",
                "The licence of %(agency)s ends on %(valid_until)s while it holds the custody "
                "of %(firms)s firms.",
                p["firms"],
            )
            % p
        ),
        "change_requested": lambda p: (
            _("%(firm)s asks to move from %(agency)s to %(new_agency)s.") % p
        ),
        "change_approved": lambda p: _("The move of %(firm)s to %(new_agency)s was approved.") % p,
        "change_refused": lambda p: (
            _("The move of %(firm)s to %(new_agency)s was refused: %(reason)s") % p
        ),
    },
    datetimes=("respond_by", "due_by"),
    dates=("valid_until",),
)

# The audit actions the marketplace writes, named for the timelines.
register_actions(
    {
        "firm.registered": gettext_lazy("Signed up"),
        "firm.verified": gettext_lazy("Confirmed by the incubator"),
        "firm.rejected": gettext_lazy("Rejected by the incubator"),
        "firm.incubation_ended": gettext_lazy("Left the incubator (incubation ended)"),
        "firm.created": gettext_lazy("Entered by the programme office"),
        "firm.updated": gettext_lazy("Details changed"),
        "agency.applied": gettext_lazy("Applied to the programme"),
        "agency.approved": gettext_lazy("Approved by the programme office"),
        "agency.rejected": gettext_lazy("Rejected by the programme office"),
        "agency.suspended": gettext_lazy("Suspended by the programme office"),
        "agency.created": gettext_lazy("Entered by the programme office"),
        "agency.updated": gettext_lazy("Details changed"),
        "incubator.created": gettext_lazy("Entered by the programme office"),
        "incubator.updated": gettext_lazy("Details changed"),
        "serviceitem.created": gettext_lazy("Service item added to the catalogue"),
        "serviceitem.updated": gettext_lazy("Service item changed"),
        "programmeyear.created": gettext_lazy("Programme year set up"),
        "programmeyear.updated": gettext_lazy("Programme year changed"),
        "packageitem.created": gettext_lazy("Item added to the year's package"),
        "packageitem.updated": gettext_lazy("Package item changed"),
        "request.submitted": gettext_lazy("Custody requested"),
        "request.offered": gettext_lazy("Offered to an agency"),
        "request.reopened": gettext_lazy("Open for another choice"),
        "request.engaged": gettext_lazy("Accepted by an agency"),
        "request.waitlisted": gettext_lazy("Put on the budget waiting list"),
        "request.waitlist_served": gettext_lazy("Taken off the waiting list"),
        "request.withdrawn": gettext_lazy("Request withdrawn"),
        "offer.sent": gettext_lazy("Offer sent"),
        "offer.accepted": gettext_lazy("Offer accepted"),
        "offer.declined": gettext_lazy("Offer declined"),
        "offer.expired": gettext_lazy("Offer expired unanswered"),
        "offer.withdrawn": gettext_lazy("Offer withdrawn"),
        "engagement.started": gettext_lazy("Engagement signed"),
        "engagement.cancelled": gettext_lazy("Engagement cancelled"),
        "engagement.transferred": gettext_lazy("Moved to another agency"),
        "engagement.change_requested": gettext_lazy("Change of agency requested"),
        "engagement.change_refused": gettext_lazy("Change of agency refused"),
        "engagement.completed": gettext_lazy("Engagement completed"),
        "allocation.previewed": gettext_lazy("Allocation previewed"),
        "allocation.committed": gettext_lazy("Allocation committed"),
        "engagement.activated": gettext_lazy("Co-payment received: custody active"),
        "engagement.lapsed": gettext_lazy("Cancelled: the co-payment did not arrive in time"),
        "agency_change.approved": gettext_lazy("Change of agency approved"),
        "agency_change.refused": gettext_lazy("Change of agency refused"),
        "user.api_token_issued": gettext_lazy("API token issued"),
        "user.api_token_revoked": gettext_lazy("API token revoked"),
        "user.api_tokens_revoked": gettext_lazy("All API tokens revoked"),
    }
)

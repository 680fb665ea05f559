"""The wording of the marketplace's notices (requests, offers, engagements, changes of agency)."""

from django.utils.translation import gettext as _

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
        "licence_expiring": lambda p: (
            _(
                "The licence of %(agency)s ends on %(valid_until)s while it holds the custody "
                "of %(firms)s firms."
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
    }
)

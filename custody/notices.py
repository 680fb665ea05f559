"""The wording of the custody workspace's notices (services, settlements, deadlines)."""

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.audit import register_actions
from core.notices import register
from custody.models import Deadline


def _deadline(p):
    """A deadline notice's parameters, with its kind worded in the active language."""
    try:
        what = str(Deadline.Kind(p["deadline_kind"]).label)
    except ValueError:
        what = p["deadline_kind"]
    return dict(p, what=what)


def _service(p):
    """A service notice's parameters, with the item named in the active language."""
    english = (translation.get_language() or "").startswith("en")
    return dict(p, item=p.get("item_en") if english and p.get("item_en") else p.get("item", ""))


register(
    {
        "service_logged": lambda p: (
            _(
                "%(agency)s logged %(quantity)s × %(item)s for %(firm)s; please confirm or dispute it."
            )
            % _service(p)
        ),
        "service_confirmed": lambda p: (
            _("%(firm)s confirmed %(quantity)s × %(item)s.") % _service(p)
        ),
        "service_disputed": lambda p: (
            _("%(firm)s disputed %(quantity)s × %(item)s: %(reason)s") % _service(p)
        ),
        "service_resubmitted": lambda p: (
            _("%(agency)s corrected %(quantity)s × %(item)s; please confirm or dispute it.")
            % _service(p)
        ),
        "training_counted": lambda p: (
            _("%(firm)s attended “%(event)s”: %(quantity)s × %(item)s counted as delivered.")
            % _service(p)
        ),
        "settlement_rated": lambda p: (
            _("%(firm)s rated %(agency)s %(rating)s of 5; the settlement awaits the incubator.") % p
        ),
        "settlement_confirmed": lambda p: (
            _(
                "The incubator confirmed the settlement of %(firm)s with %(agency)s; it awaits approval."
            )
            % p
        ),
        "settlement_approved": lambda p: (
            _("The settlement of %(firm)s with %(agency)s was approved: %(amount)s.") % p
        ),
        "deadline_reminder": lambda p: (
            ngettext(
                "%(what)s of %(number)s (%(firm)s) is due on %(due_on)s, in %(days_left)d day.",
                "%(what)s of %(number)s (%(firm)s) is due on %(due_on)s, in %(days_left)d days.",
                p["days_left"],
            )
            % _deadline(p)
        ),
        "deadline_missed": lambda p: (
            _("%(what)s of %(number)s (%(firm)s) was missed: its last day was %(last_day)s.")
            % _deadline(p)
        ),
    },
    dates=("due_on", "last_day"),
    amounts=("amount",),
)

# The audit actions the custody workspace writes, named for the timelines.
register_actions(
    {
        "officialfee.created": gettext_lazy("Official fee rate entered by the programme office"),
        "officialfee.updated": gettext_lazy("Official fee rate changed"),
        "feereduction.created": gettext_lazy(
            "Official fee reduction entered by the programme office"
        ),
        "feereduction.updated": gettext_lazy("Official fee reduction changed"),
        "service.logged": gettext_lazy("Service logged by the agency"),
        "service.confirmed": gettext_lazy("Service confirmed by the firm"),
        "service.disputed": gettext_lazy("Service disputed by the firm"),
        "service.resubmitted": gettext_lazy("Disputed service corrected"),
        "service.training_counted": gettext_lazy("Training attendance counted"),
        "service.training_voided": gettext_lazy("Training attendance withdrawn"),
        "settlement.rated": gettext_lazy("Rated by the firm"),
        "settlement.confirmed": gettext_lazy("Settlement confirmed by the incubator"),
        "settlement.approved": gettext_lazy("Settlement approved"),
        "asset.created": gettext_lazy("IP right added to the portfolio"),
        "asset.updated": gettext_lazy("IP right details changed"),
        "calendar_feed.issued": gettext_lazy("Calendar subscription link issued"),
        "calendar_feed.revoked": gettext_lazy("Calendar subscription link revoked"),
        "deadline.done": gettext_lazy("Deadline marked done"),
        "deadline.missed": gettext_lazy("Deadline missed"),
        "deadlines.refreshed": gettext_lazy("Deadlines recomputed"),
    }
)

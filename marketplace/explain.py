"""Match reasons and constraint codes in plain words, in the active language."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.formatting import join_clauses
from marketplace.choices import District, Industry
from marketplace.matching import ACCEPTANCE_PRIOR, RATING_PRIOR


def _label(choices, code):
    try:
        return str(choices(code).label)
    except ValueError:
        return code


def describe_reason(code, params):
    """One reason of a match score, e.g. "covers 7 of 7 items"."""
    p = params or {}
    if code == "coverage":
        return (
            ngettext(
                "covers %(covered)d of %(requested)d item",
                "covers %(covered)d of %(requested)d items",
                p["requested"],
            )
            % p
        )
    if code == "industry_declared":
        return _("%(industry)s expertise") % {"industry": _label(Industry, p.get("industry", ""))}
    if code == "industry_related":
        return _("related expertise in %(industry)s") % {
            "industry": _label(Industry, p.get("industry", ""))
        }
    if code == "industry_other":
        return _("no declared expertise in %(industry)s") % {
            "industry": _label(Industry, p.get("industry", ""))
        }
    if code == "same_district":
        return _("same district")
    if code == "serves_district":
        return _("serves your district")
    if code == "neighbouring_district":
        return _("neighbouring district (%(district)s)") % {
            "district": _label(District, p.get("district", ""))
        }
    if code == "other_district":
        return _("office in %(district)s") % {"district": _label(District, p.get("district", ""))}
    if code == "capacity":
        return ngettext("%(free)d place free", "%(free)d places free", p.get("free", 0)) % p
    if code == "new_agency":
        return _(
            "new to the programme: until it has a record it is scored as accepting "
            "%(rate)d%% of offers and rated %(rating).1f/5"
        ) % {"rate": round(100 * ACCEPTANCE_PRIOR), "rating": RATING_PRIOR}
    if code == "track_record":
        parts = []
        if p.get("acceptance_rate") is not None:
            parts.append(
                _("accepts %(rate)d%% of offers") % {"rate": round(100 * p["acceptance_rate"])}
            )
        if p.get("median_response_hours") is not None:
            parts.append(
                _("answers in %(hours)d h (median)") % {"hours": round(p["median_response_hours"])}
            )
        if p.get("average_rating") is not None:
            parts.append(_("rated %(rating).1f/5") % {"rating": p["average_rating"]})
        if p.get("missed_deadlines"):
            parts.append(
                ngettext(
                    "%(count)d missed deadline", "%(count)d missed deadlines", p["missed_deadlines"]
                )
                % {"count": p["missed_deadlines"]}
            )
        return join_clauses(parts) if parts else _("no track record yet")
    return code


def describe_reasons(reasons):
    """A whole breakdown in one line: "covers 7 of 7 items; biomedicine expertise; same district"."""
    return join_clauses(describe_reason(reason["code"], reason.get("params")) for reason in reasons)


def describe_candidate(candidate):
    return join_clauses(describe_reason(reason.code, reason.params) for reason in candidate.reasons)


def describe_constraint(code):
    """Why an agency was excluded, or why a firm could not be placed."""
    return {
        "not_approved": _("The agency is not approved for the programme."),
        "licence_invalid": _("The agency's licence is not valid on the start date."),
        "conflict_of_interest": _("The agency declared a conflict of interest with this firm."),
        "items_not_served": _("The agency does not offer every requested service item."),
        "no_capacity": _("The agency has no capacity left this year."),
        "capacity_taken": _("Every eligible agency's capacity went to firms with better matches."),
        "no_agencies": _("No agency is registered."),
    }.get(code, code)

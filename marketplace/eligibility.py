"""Eligibility rules for a custody request. Pure: facts in, failed rules out.

Each failed rule is a Rule(code, params); `describe` turns it into a sentence
in the active language, so a refusal names every rule that failed.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.formatting import money
from marketplace import sme


@dataclass(frozen=True)
class EligibilityFacts:
    firm_verified: bool
    # Incubation covers the day of the request (admitted, and not yet left).
    incubated: bool
    admitted_on: object
    incubation_ends_on: object
    incubator_level: str
    incubator_level_label: str
    headcount: int
    # The optional programme caps (None: no cap) on top of the SME standard.
    max_headcount: int | None
    revenue_rank: int
    max_revenue_rank: int | None
    max_revenue_label: str
    size: sme.Verdict
    sector_label: str
    has_live_request: bool
    has_active_engagement: bool
    programme_open: bool
    opens_on: object
    closes_on: object
    budget_left: Decimal
    package_government_amount: Decimal


@dataclass(frozen=True)
class Rule:
    code: str
    params: dict


ELIGIBLE_LEVELS = {"national", "provincial"}


def failed_rules(facts):
    """Every rule the firm fails, in a fixed order (empty when eligible)."""
    failed = []
    if not facts.firm_verified:
        failed.append(Rule("firm_not_verified", {}))
    if not facts.incubated:
        failed.append(
            Rule(
                "not_incubated",
                {"admitted_on": facts.admitted_on, "ends_on": facts.incubation_ends_on},
            )
        )
    if facts.incubator_level not in ELIGIBLE_LEVELS:
        failed.append(Rule("incubator_level", {"level": facts.incubator_level_label}))
    if facts.size.small_or_micro is False:
        failed.append(Rule("sme_size", {"sector": facts.sector_label}))
    elif facts.size.small_or_micro is None:
        failed.append(
            Rule("sme_unknown", {"sector": facts.sector_label, "missing": facts.size.missing})
        )
    if facts.max_headcount is not None and facts.headcount > facts.max_headcount:
        failed.append(
            Rule("headcount", {"headcount": facts.headcount, "maximum": facts.max_headcount})
        )
    if facts.max_revenue_rank is not None and facts.revenue_rank > facts.max_revenue_rank:
        failed.append(Rule("revenue", {"maximum": facts.max_revenue_label}))
    if facts.has_active_engagement:
        failed.append(Rule("active_engagement", {}))
    elif facts.has_live_request:
        failed.append(Rule("live_request", {}))
    if not facts.programme_open:
        failed.append(
            Rule("programme_closed", {"opens_on": facts.opens_on, "closes_on": facts.closes_on})
        )
    if facts.budget_left < facts.package_government_amount:
        failed.append(Rule("budget_exhausted", {"left": facts.budget_left}))
    return failed


def describe(rule):
    """The rule as a sentence in the active language."""
    p = rule.params
    if rule.code == "firm_not_verified":
        return _("Your incubator has not yet confirmed that your firm is incubated there.")
    if rule.code == "incubator_level":
        return _(
            "Your incubator is %(level)s level; the programme serves firms in national or provincial incubators."
        ) % {"level": p["level"]}
    if rule.code == "not_incubated":
        if p["ends_on"] is not None:
            return _(
                "Your firm's incubation ended on %(day)s; the programme serves firms while "
                "they are incubated."
            ) % {"day": date_format(p["ends_on"], "DATE_FORMAT")}
        return _("Your firm's incubation starts on %(day)s; apply from that day.") % {
            "day": date_format(p["admitted_on"], "DATE_FORMAT")
        }
    if rule.code == "sme_size":
        return _(
            "By its staff and revenue your firm is medium-sized or larger in its sector "
            "(%(sector)s) under the SME standard (%(source)s); the programme serves small "
            "and micro firms."
        ) % {"sector": p["sector"], "source": sme.SOURCE}
    if rule.code == "sme_unknown":
        missing = {
            sme.REVENUE: _("the exact operating revenue of last year"),
            sme.ASSETS: _("the total assets"),
        }
        return _(
            "Your firm's size in its sector (%(sector)s) cannot be told from its profile: "
            "add %(missing)s to the firm's details."
        ) % {
            "sector": p["sector"],
            "missing": _(" and ").join(str(missing[m]) for m in p["missing"] if m in missing),
        }
    if rule.code == "headcount":
        return (
            _(
                "Your firm has %(headcount)d staff; the programme serves firms with at most %(maximum)d."
            )
            % p
        )
    if rule.code == "revenue":
        return _("Your firm's annual revenue is above the programme's limit (%(maximum)s).") % p
    if rule.code == "active_engagement":
        return _("Your firm is already under custody this programme year.")
    if rule.code == "live_request":
        return _("Your firm already has a request this programme year; withdraw it to start again.")
    if rule.code == "programme_closed":
        return _("Applications are open from %(opens)s to %(closes)s.") % {
            "opens": date_format(p["opens_on"], "DATE_FORMAT"),
            "closes": date_format(p["closes_on"], "DATE_FORMAT"),
        }
    if rule.code == "budget_exhausted":
        return _(
            "The programme budget left (%(left)s) cannot cover another package; "
            "you can join the waiting list once you have chosen an agency."
        ) % {"left": money(p["left"])}
    raise ValueError(f"unknown rule {rule.code}")

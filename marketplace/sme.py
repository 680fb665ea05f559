"""Small and micro firms by the national standard, per industry. Pure: data and plain functions.

Source: 《中小企业划型标准规定》, 工业和信息化部、国家统计局、国家发展和改革委员会、财政部
工信部联企业〔2011〕300号 (2011-06-18). A firm is medium-sized when it reaches every lower
bound its sector sets for medium firms (staff, operating revenue, total assets: "X 及以上，且
Y 及以上"); below any of them it is small or micro. (Every medium bound lies under the sector's
ceiling for SMEs, so a firm below one is an SME.) The programme serves small and micro firms.

A firm states its operating revenue exactly or by band; a band that straddles a bound cannot
decide the size, and eligibility then asks for the exact figure rather than guessing.
"""

from dataclasses import dataclass
from decimal import Decimal

SOURCE = "《中小企业划型标准规定》(工信部联企业〔2011〕300号)"
STAFF, REVENUE, ASSETS = "staff", "revenue", "assets"
WAN = Decimal(10_000)

# Sector code -> (label in the standard, ((measure, lower bound of a medium firm), ...)).
# Money in yuan (the standard writes 万元).
SECTORS = {
    "agriculture": ("农、林、牧、渔业", ((REVENUE, 500 * WAN),)),
    "industry": ("工业", ((STAFF, 300), (REVENUE, 2000 * WAN))),
    "construction": ("建筑业", ((REVENUE, 6000 * WAN), (ASSETS, 5000 * WAN))),
    "wholesale": ("批发业", ((STAFF, 20), (REVENUE, 5000 * WAN))),
    "retail": ("零售业", ((STAFF, 50), (REVENUE, 500 * WAN))),
    "transport": ("交通运输业", ((STAFF, 300), (REVENUE, 3000 * WAN))),
    "warehousing": ("仓储业", ((STAFF, 100), (REVENUE, 1000 * WAN))),
    "postal": ("邮政业", ((STAFF, 300), (REVENUE, 2000 * WAN))),
    "accommodation": ("住宿业", ((STAFF, 100), (REVENUE, 2000 * WAN))),
    "catering": ("餐饮业", ((STAFF, 100), (REVENUE, 2000 * WAN))),
    "information_transmission": ("信息传输业", ((STAFF, 100), (REVENUE, 1000 * WAN))),
    "software_it": ("软件和信息技术服务业", ((STAFF, 100), (REVENUE, 1000 * WAN))),
    "real_estate": ("房地产开发经营", ((REVENUE, 1000 * WAN), (ASSETS, 5000 * WAN))),
    "property_management": ("物业管理", ((STAFF, 300), (REVENUE, 1000 * WAN))),
    "leasing_business": ("租赁和商务服务业", ((STAFF, 100), (ASSETS, 8000 * WAN))),
    "other": ("其他未列明行业", ((STAFF, 100),)),
}

# The sector a firm counts in when it has not named one, from the programme's industry.
INDUSTRY_SECTORS = {
    "ic": "industry",
    "manufacturing": "industry",
    "biomedicine": "industry",
    "nev": "industry",
    "materials": "industry",
    "communications": "industry",
    "ai": "software_it",
    "future_networks": "software_it",
    "other": "other",
}

# Revenue bands (marketplace.choices.RevenueBand) as [low, high) in yuan; None: no upper end.
REVENUE_BANDS = {
    "lt1m": (Decimal(0), Decimal(1_000_000)),
    "1m-5m": (Decimal(1_000_000), Decimal(5_000_000)),
    "5m-20m": (Decimal(5_000_000), Decimal(20_000_000)),
    "20m-50m": (Decimal(20_000_000), Decimal(50_000_000)),
    "gt50m": (Decimal(50_000_000), None),
}


@dataclass(frozen=True, slots=True)
class SizeFacts:
    sector: str
    headcount: int
    revenue: Decimal | None = None
    revenue_band: str = ""
    assets: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    """small_or_micro: True, False (medium or larger) or None (`missing` measures decide it)."""

    sector: str
    small_or_micro: bool | None
    missing: tuple = ()
    # The bound the firm reaches or that is unknown: [(measure, bound)], for the message.
    bounds: tuple = ()


def sector_of(sector, industry):
    """The firm's sector under the standard: the one it named, else its industry's."""
    return sector if sector in SECTORS else INDUSTRY_SECTORS.get(industry, "other")


def below(facts, measure, bound):
    """Whether the firm is provably under `bound` on `measure`: True, False, or None (unknown)."""
    if measure == STAFF:
        return facts.headcount < bound
    if measure == REVENUE:
        if facts.revenue is not None:
            return facts.revenue < bound
        low, high = REVENUE_BANDS.get(facts.revenue_band, (None, None))
        if low is None:
            return None
        if high is not None and high <= bound:
            return True
        return False if low >= bound else None
    if facts.assets is None:
        return None
    return facts.assets < bound


def verdict(facts):
    """Whether the firm is small or micro in its sector (see the module's rules)."""
    _label, bounds = SECTORS[facts.sector]
    answers = [(measure, bound, below(facts, measure, bound)) for measure, bound in bounds]
    if any(answer is True for _m, _b, answer in answers):
        return Verdict(sector=facts.sector, small_or_micro=True)
    unknown = tuple(measure for measure, _b, answer in answers if answer is None)
    return Verdict(
        sector=facts.sector,
        small_or_micro=None if unknown else False,
        missing=unknown,
        bounds=tuple((measure, bound) for measure, bound, _a in answers),
    )


def sector_label(sector):
    return SECTORS[sector][0]

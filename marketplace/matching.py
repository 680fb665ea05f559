"""Rank licensed agencies for a custody request, with reasons a firm can read.

Pure: plain data in, plain data out, no ORM. Hard constraints (licence valid
on the start date, agency approved, capacity left, every requested item
served, no declared conflict of interest) exclude an agency outright and are
never traded against score. Among the rest, the score in 0–100 is a weighted
sum of service coverage, industry fit, district, free capacity and track
record, and every component carries a reason with its parameters; the
presentation layer turns reasons into words in the user's language.
"""

import re
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz, process

from core import segmentation
from core.lazy import lazy_import
from marketplace.choices import INDUSTRY_KEYWORDS, IP_SERVICE_TERMS

# Loaded when a score is first computed, not when a command or page merely imports this.
np = lazy_import("numpy")

APPROVED = "approved"


@dataclass(frozen=True)
class TrackRecord:
    offers_received: int = 0
    offers_accepted: int = 0
    median_response_hours: float | None = None
    rating_sum: float = 0.0
    rating_count: int = 0
    missed_deadlines: int = 0


@dataclass(frozen=True)
class AgencyProfile:
    id: int
    name: str
    status: str
    licence_valid_from: object
    licence_valid_until: object
    district: str
    districts_served: frozenset
    service_item_ids: frozenset
    industries: frozenset
    # The domain words of its expertise in both languages (field_terms), stored with the text.
    terms: str
    capacity: int
    active_clients: int = 0
    conflict_firm_ids: frozenset = frozenset()
    track: TrackRecord = field(default_factory=TrackRecord)

    @property
    def free_capacity(self):
        return max(self.capacity - self.active_clients, 0)


@dataclass(frozen=True)
class RequestProfile:
    firm_id: int
    district: str
    industry: str
    # The domain words of the firm's industry, what it does and what it asks for
    # (field_terms), stored with each text.
    terms: str
    item_ids: frozenset
    start_date: object
    neighbour_districts: frozenset = frozenset()


@dataclass(frozen=True)
class Reason:
    code: str
    params: dict


@dataclass(frozen=True)
class Component:
    name: str
    points: float
    weight: float
    reason: Reason


@dataclass(frozen=True)
class Candidate:
    agency_id: int
    score: float
    components: tuple

    @property
    def reasons(self):
        return [component.reason for component in self.components if component.reason]


@dataclass(frozen=True)
class Exclusion:
    agency_id: int
    constraint: str
    params: dict


@dataclass(frozen=True)
class Ranking:
    candidates: list
    excluded: list


@dataclass(frozen=True)
class Weights:
    coverage: float = 25.0
    industry: float = 30.0
    district: float = 15.0
    capacity: float = 10.0
    track: float = 20.0


DEFAULT_WEIGHTS = Weights()

# Hard constraints in the order they are checked; the first that fails is reported.
CONSTRAINTS = (
    "not_approved",
    "licence_invalid",
    "conflict_of_interest",
    "items_not_served",
    "no_capacity",
)


def check_constraints(request, agency):
    """Return the Exclusion for the first hard constraint the agency fails, or None."""
    failed = failed_constraints(request, agency)
    return failed[0] if failed else None


def failed_constraints(request, agency):
    """Every hard constraint the agency fails for the request (not only the first)."""
    failed = []
    if agency.status != APPROVED:
        failed.append(Exclusion(agency.id, "not_approved", {"status": agency.status}))
    if not (agency.licence_valid_from <= request.start_date <= agency.licence_valid_until):
        failed.append(
            Exclusion(
                agency.id,
                "licence_invalid",
                {
                    "valid_from": agency.licence_valid_from,
                    "valid_until": agency.licence_valid_until,
                },
            )
        )
    if request.firm_id in agency.conflict_firm_ids:
        failed.append(Exclusion(agency.id, "conflict_of_interest", {}))
    missing = request.item_ids - agency.service_item_ids
    if missing:
        failed.append(Exclusion(agency.id, "items_not_served", {"missing": sorted(missing)}))
    if agency.free_capacity <= 0:
        failed.append(Exclusion(agency.id, "no_capacity", {"capacity": agency.capacity}))
    return failed


@dataclass(frozen=True)
class NearMiss:
    """The agency that came closest to serving a request, and what it lacks."""

    agency_id: int
    failed: tuple  # Exclusions, in CONSTRAINTS order

    @property
    def constraint(self):
        return self.failed[0].constraint


def nearest_miss(request, agencies):
    """The agency failing the fewest hard constraints (then missing the fewest items, then the
    lowest id), or None when every agency qualifies or there is none."""
    best, best_key = None, None
    for agency in agencies:
        failed = failed_constraints(request, agency)
        if not failed:
            return None
        missing = next(
            (len(e.params["missing"]) for e in failed if e.constraint == "items_not_served"), 0
        )
        key = (len(failed), missing, agency.id)
        if best_key is None or key < best_key:
            best, best_key = NearMiss(agency.id, tuple(failed)), key
    return best


_PUNCTUATION = re.compile(
    r"[\s,.;:!?/()\[\]{}<>\"'`~@#$%^&*+=|\\，。；：！？、（）【】《》“”‘’·…—-]+"
)


@lru_cache(maxsize=1)
def domain_vocabulary():
    """Industry and IP-service words, in both languages (see marketplace.choices)."""
    words = set()
    for text in (*INDUSTRY_KEYWORDS.values(), IP_SERVICE_TERMS):
        for chunk in _PUNCTUATION.split(text.lower()):
            words.update(word for word in segmentation.cut_for_search(chunk) if word.strip())
    return frozenset(words)


@lru_cache(maxsize=65536)
def field_terms(text):
    """The domain words of `text`: its segments (fine-grained) that are in the vocabulary,
    sorted and joined by spaces.

    Segmenting needs jieba's dictionary (most of a second to load), so the words are taken
    when a text is saved and stored beside it; scoring compares the stored words only. A
    text of punctuation or spaces alone has no words and loads nothing.
    """
    chunks = [chunk for chunk in _PUNCTUATION.split((text or "").lower()) if chunk]
    if not chunks:
        return ""
    vocabulary = domain_vocabulary()
    words = set()
    for chunk in chunks:
        words.update(word for word in segmentation.cut_for_search(chunk) if word in vocabulary)
    return " ".join(sorted(words))


def merge_terms(*terms):
    """Several texts' stored words as one: what field_terms gives for the texts joined by a
    space (chunks never span a space, so the words of the whole are those of the parts)."""
    words = set()
    for each in terms:
        words.update(each.split())
    return " ".join(sorted(words))


def industry_fit(request, agency):
    """(0–1 fit, whether the agency declares the firm's industry)."""
    declared = request.industry in agency.industries
    firm_words = request.terms
    agency_words = agency.terms
    text_fit = (
        float(
            process.cdist(
                [firm_words], [agency_words], scorer=fuzz.token_set_ratio, dtype=np.float64
            )[0, 0]
        )
        / 100.0
        if firm_words and agency_words
        else 0.0
    )
    fit = 0.6 * declared + 0.4 * text_fit
    return fit, declared


def _smoothed(successes, trials, *, prior, strength):
    return (successes + prior * strength) / (trials + strength)


# What a new agency is assumed to achieve until its own record speaks (explain.py says so
# to the firm): a short history then neither sinks nor lifts it.
ACCEPTANCE_PRIOR = 0.8
RATING_PRIOR = 4.0
SPEED_PRIOR = 0.6


def track_score(track):
    """Blend acceptance rate, response speed, rating and missed deadlines into 0–1,
    starting a new agency at the priors above."""
    acceptance = _smoothed(
        track.offers_accepted, track.offers_received, prior=ACCEPTANCE_PRIOR, strength=5
    )
    if track.median_response_hours is None:
        speed = SPEED_PRIOR
    else:
        speed = max(0.0, 1.0 - track.median_response_hours / 72.0)
    rating = _smoothed(track.rating_sum, track.rating_count, prior=RATING_PRIOR, strength=3)
    rating_part = (rating - 1.0) / 4.0
    reliability = 1.0 / (1.0 + track.missed_deadlines)
    return 0.3 * acceptance + 0.2 * speed + 0.3 * rating_part + 0.2 * reliability


def combine(coverage, industry, district, free_share, track, weights=DEFAULT_WEIGHTS):
    """The 0–100 score from its parts, rounded to 0.01: the one arithmetic `score` and
    `score_matrix` share (same operations in the same order, on floats or arrays), so the
    score shown and the order ranked never disagree."""
    total = (
        coverage * weights.coverage
        + industry * weights.industry
        + district * weights.district
        + free_share * weights.capacity
        + track * weights.track
    )
    maximum = (
        weights.coverage + weights.industry + weights.district + weights.capacity + weights.track
    )
    return np.round(100.0 * total / maximum, 2)


def _district_points(request, agency):
    if request.district == agency.district:
        return 1.0, "same_district"
    if request.district in agency.districts_served:
        return 0.7, "serves_district"
    if agency.district in request.neighbour_districts:
        return 0.5, "neighbouring_district"
    return 0.0, "other_district"


def score(request, agency, weights=DEFAULT_WEIGHTS):
    """Score an agency that passed the hard constraints."""
    requested = len(request.item_ids)
    covered = len(request.item_ids & agency.service_item_ids)
    coverage = covered / requested if requested else 1.0

    fit, declared = industry_fit(request, agency)

    district, district_code = _district_points(request, agency)

    free_share = agency.free_capacity / agency.capacity if agency.capacity else 0.0
    track = track_score(agency.track)
    t = agency.track
    acceptance_rate = t.offers_accepted / t.offers_received if t.offers_received else None
    average_rating = t.rating_sum / t.rating_count if t.rating_count else None

    components = (
        Component(
            "coverage",
            coverage,
            weights.coverage,
            Reason("coverage", {"covered": covered, "requested": requested}),
        ),
        Component(
            "industry",
            fit,
            weights.industry,
            Reason(
                "industry_declared"
                if declared
                else "industry_related"
                if fit >= 0.25
                else "industry_other",
                {"industry": request.industry},
            ),
        ),
        Component(
            "district",
            district,
            weights.district,
            Reason(district_code, {"district": agency.district}),
        ),
        Component(
            "capacity",
            free_share,
            weights.capacity,
            Reason("capacity", {"free": agency.free_capacity, "capacity": agency.capacity}),
        ),
        Component(
            "track",
            track,
            weights.track,
            Reason(
                "track_record" if t.offers_received or t.rating_count else "new_agency",
                {
                    "acceptance_rate": acceptance_rate,
                    "median_response_hours": t.median_response_hours,
                    "average_rating": average_rating,
                    "missed_deadlines": t.missed_deadlines,
                },
            ),
        ),
    )
    value = combine(coverage, fit, district, free_share, track, weights)
    return Candidate(agency.id, float(value), components)


def score_matrix(requests, agencies, *, weights=DEFAULT_WEIGHTS):
    """Scores of every (request, agency) pair as an array, NaN where a hard constraint fails.

    The same arithmetic as `score`, vectorised: text fit through rapidfuzz's
    `cdist` in C++, the rest as array operations, so a cohort of thousands of
    requests against hundreds of agencies scores in well under a second.
    """
    n, m = len(requests), len(agencies)
    matrix = np.full((n, m), np.nan)
    if not n or not m:
        return matrix

    capacity = np.array([agency.capacity for agency in agencies], dtype=float)
    free = np.array([agency.free_capacity for agency in agencies], dtype=float)
    free_share = np.divide(free, capacity, out=np.zeros(m), where=capacity > 0)
    track = np.array([track_score(agency.track) for agency in agencies])

    eligible = np.ones((n, m), dtype=bool)
    approved = np.array([agency.status == APPROVED for agency in agencies])
    eligible &= (approved & (free > 0))[None, :]
    by_start = {}
    for i, request in enumerate(requests):
        by_start.setdefault(request.start_date, []).append(i)
    for start, rows in by_start.items():
        licensed = np.array(
            [a.licence_valid_from <= start <= a.licence_valid_until for a in agencies]
        )
        eligible[rows] &= licensed[None, :]
    by_items = {}
    for i, request in enumerate(requests):
        by_items.setdefault(request.item_ids, []).append(i)
    coverage = np.ones((n, m))
    for item_ids, rows in by_items.items():
        covered = np.array(
            [len(item_ids & agency.service_item_ids) for agency in agencies], dtype=float
        )
        eligible[rows] &= (covered == len(item_ids))[None, :]
        coverage[rows] = (covered / len(item_ids) if item_ids else np.ones(m))[None, :]
    column = {agency.id: j for j, agency in enumerate(agencies)}
    row_of_firm = {}
    for i, request in enumerate(requests):
        row_of_firm.setdefault(request.firm_id, []).append(i)
    for agency in agencies:
        for firm_id in agency.conflict_firm_ids:
            for i in row_of_firm.get(firm_id, ()):
                eligible[i, column[agency.id]] = False

    request_texts = [request.terms for request in requests]
    agency_texts = [agency.terms for agency in agencies]
    # Many firms share their domain words: score each distinct text once.
    distinct = sorted(set(request_texts))
    row_of_text = {text: index for index, text in enumerate(distinct)}
    distinct_fit = (
        process.cdist(
            distinct, agency_texts, scorer=fuzz.token_set_ratio, dtype=np.float64, workers=-1
        )
        / 100.0
    )
    text_fit = distinct_fit[[row_of_text[text] for text in request_texts]]
    text_fit[[i for i, text in enumerate(request_texts) if not text], :] = 0.0
    text_fit[:, [j for j, text in enumerate(agency_texts) if not text]] = 0.0
    industries = sorted({request.industry for request in requests})
    declared_by_industry = {
        industry: np.array([industry in agency.industries for agency in agencies], dtype=float)
        for industry in industries
    }
    declared = np.stack([declared_by_industry[request.industry] for request in requests])
    industry = 0.6 * declared + 0.4 * text_fit

    district_rows = {}
    for request in requests:
        key = (request.district, request.neighbour_districts)
        if key not in district_rows:
            district_rows[key] = np.array(
                [_district_points(request, agency)[0] for agency in agencies]
            )
    district = np.stack(
        [district_rows[request.district, request.neighbour_districts] for request in requests]
    )

    scores = combine(coverage, industry, district, free_share[None, :], track[None, :], weights)
    return np.where(eligible, scores, np.nan)


def rank(request, agencies, *, weights=DEFAULT_WEIGHTS, limit=None):
    """Rank `agencies` for `request`: eligible ones by score (ties by id), the rest with their reason."""
    agencies = list(agencies)
    scores = score_matrix([request], agencies, weights=weights)[0] if agencies else np.array([])
    eligible = [j for j in range(len(agencies)) if not np.isnan(scores[j])]
    eligible.sort(key=lambda j: (-scores[j], agencies[j].id))
    if limit is not None:
        eligible = eligible[:limit]
    candidates = [score(request, agencies[j], weights) for j in eligible]
    excluded = [
        check_constraints(request, agency)
        for j, agency in enumerate(agencies)
        if np.isnan(scores[j])
    ]
    return Ranking(candidates=candidates, excluded=[e for e in excluded if e is not None])

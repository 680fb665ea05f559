"""Load the plain profiles matching works on, in a constant number of queries.

The texts' domain words come as stored (marketplace.models.terms): building a profile never
segments text, so ranking and allocation never load jieba."""

import statistics
from collections import defaultdict

from django.db.models import Count, Q

from marketplace import matching, track_record
from marketplace.choices import DISTRICT_NEIGHBOURS
from marketplace.models import Agency, ConflictOfInterest, Engagement, Offer


def agency_load(*, programme_year, offers_before=None):
    """An agency's load in a programme year, as a query expression: its running engagements
    (awaiting the co-payment or active) plus the offers waiting for its answer.

    The one definition matching, allocation, the change of agency and acceptance all use, so
    nothing is offered that acceptance would refuse for capacity. Acceptance counts only the
    offers sent before the one being accepted (`offers_before`, its pk): when more offers wait
    than there are places (the office lowered the capacity, or firms chose at the same
    moment), the earliest are accepted first, and turning a waiting offer into an engagement
    never changes the load, so concurrent acceptances cannot over-commit.
    """
    pending = Q(offers__status=Offer.Status.PENDING, offers__request__programme_year=programme_year)
    if offers_before is not None:
        pending &= Q(offers__pk__lt=offers_before)
    return Count(
        "engagements",
        filter=Q(
            engagements__programme_year=programme_year,
            engagements__status__in=Engagement.RUNNING,
        ),
        distinct=True,
    ) + Count("offers", filter=pending, distinct=True)


def agency_profiles(*, programme_year, agencies=None):
    """Profiles of every agency (or the given queryset) for `programme_year`."""
    agencies = (agencies if agencies is not None else Agency.objects.all()).order_by("pk")
    agencies = agencies.annotate(
        active_clients=agency_load(programme_year=programme_year)
    ).prefetch_related("service_items")
    agencies = list(agencies)
    ids = [agency.pk for agency in agencies]

    conflicts = defaultdict(set)
    for agency_id, firm_id in ConflictOfInterest.objects.filter(agency_id__in=ids).values_list(
        "agency_id", "firm_id"
    ):
        conflicts[agency_id].add(firm_id)

    received, accepted, response_hours = defaultdict(int), defaultdict(int), defaultdict(list)
    answered = Offer.objects.filter(agency_id__in=ids).exclude(status=Offer.Status.WITHDRAWN)
    for agency_id, status, sent_at, responded_at in answered.values_list(
        "agency_id", "status", "sent_at", "responded_at"
    ):
        if status == Offer.Status.PENDING:
            continue
        received[agency_id] += 1
        if status == Offer.Status.ACCEPTED:
            accepted[agency_id] += 1
        if responded_at is not None:
            response_hours[agency_id].append((responded_at - sent_at).total_seconds() / 3600)

    # Deadlines missed while the agency held the firm's custody, and the firms' ratings of it.
    track = track_record.facts_for(ids)

    profiles = []
    for agency in agencies:
        facts = track.get(agency.pk, track_record.Facts())
        hours = response_hours[agency.pk]
        profiles.append(
            matching.AgencyProfile(
                id=agency.pk,
                name=agency.name,
                status=agency.status,
                licence_valid_from=agency.licence_valid_from,
                licence_valid_until=agency.licence_valid_until,
                district=agency.district,
                districts_served=frozenset(agency.districts_served),
                service_item_ids=frozenset(item.pk for item in agency.service_items.all()),
                industries=frozenset(agency.industries),
                terms=agency.matching_terms,
                capacity=agency.yearly_capacity,
                active_clients=agency.active_clients,
                conflict_firm_ids=frozenset(conflicts[agency.pk]),
                track=matching.TrackRecord(
                    offers_received=received[agency.pk],
                    offers_accepted=accepted[agency.pk],
                    median_response_hours=statistics.median(hours) if hours else None,
                    rating_sum=float(facts.rating_sum),
                    rating_count=facts.rating_count,
                    missed_deadlines=facts.missed_deadlines,
                ),
            )
        )
    return profiles


def request_profile(request, *, start_date, item_ids=None):
    firm = request.firm
    return matching.RequestProfile(
        firm_id=firm.pk,
        district=firm.district,
        industry=firm.industry,
        terms=matching.merge_terms(firm.matching_terms, request.matching_terms),
        item_ids=frozenset(item_ids if item_ids is not None else request.item_ids()),
        start_date=start_date,
        neighbour_districts=frozenset(DISTRICT_NEIGHBOURS.get(firm.district, ())),
    )

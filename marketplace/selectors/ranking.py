"""The explainable ranking of agencies for a request, as pages, the API and actions read it."""

from django.utils import timezone

from marketplace import candidates, matching


def rank_request(request, *, today=None, limit=None):
    """The ranked candidates for a request, from the agencies' current profiles.

    Returns (ranking, {agency id: profile}).
    """
    today = today or timezone.localdate()
    profiles = candidates.agency_profiles(programme_year=request.programme_year)
    profile = candidates.request_profile(request, start_date=today)
    return matching.rank(profile, profiles, limit=limit), {p.id: p for p in profiles}

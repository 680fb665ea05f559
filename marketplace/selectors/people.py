"""Who takes part in a decision: a firm's members, an agency's staff, the programme office."""

from marketplace.models import (
    User,
)


def firm_members(firm_id):
    return list(User.objects.filter(firm_id=firm_id, is_active=True))


def agency_staff(agency_id):
    return list(User.objects.filter(agency_id=agency_id, is_active=True))


def officers():
    return list(User.objects.filter(role=User.Role.PROGRAMME_OFFICER, is_active=True))

"""Who may take a marketplace action: the checks every action starts with."""

from django.utils.translation import gettext as _

from core.errors import NotAllowed


def check_firm_member(by, firm_id):
    if not (by.is_firm_member and by.firm_id == firm_id):
        raise NotAllowed(_("Only a member of this firm can do this."))


def check_agency_staff(by, agency_id):
    if not (by.is_agency_staff and by.agency_id == agency_id):
        raise NotAllowed(_("Only staff of the agency that received the offer can answer it."))


def check_officer(by):
    if not by.is_programme_officer:
        raise NotAllowed(_("Only a programme officer can do this."))

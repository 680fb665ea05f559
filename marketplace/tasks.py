"""Periodic jobs of the marketplace. Each is idempotent and safe on two workers at once."""

from celery import shared_task

from marketplace import actions


@shared_task(name="marketplace.expire_overdue_offers")
def expire_overdue_offers():
    return actions.offers_expire_overdue()


@shared_task(name="marketplace.warn_expiring_offers")
def warn_expiring_offers():
    return actions.offers_warn_expiring()


@shared_task(name="marketplace.warn_expiring_licences")
def warn_expiring_licences():
    return actions.agencies_warn_licence_expiring()

"""Cache invalidation and admin access, wired to Wagtail's and Django's signals.

Only side effects live here: the published content itself changes through
Wagtail's own publishing, and the state of registrations through cms.actions.
"""

from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from wagtail.signals import page_published, page_unpublished, post_page_move

from cms import access
from cms import cache as page_cache
from cms.faq import bump_faq_version


def _faq_changed(sender, **kwargs):
    bump_faq_version()


def _retire_pages():
    # Now, so this process stops serving the old page, and again once committed, in case
    # another request cached the old page in between.
    page_cache.bump()
    transaction.on_commit(page_cache.bump)


def _pages_changed(sender, **kwargs):
    _retire_pages()


def _page_deleted(sender, instance, **kwargs):
    from wagtail.models import Page

    if isinstance(instance, Page):
        _retire_pages()


def _locales_changed(sender, **kwargs):
    from cms.selectors import forget_locales

    forget_locales()


def _logged_in(sender, request, user, **kwargs):
    access.sync_cms_groups(user)


def connect():
    from wagtail.models import Locale

    from cms.models import FaqEntry

    # Saving covers publishing, unpublishing and editing: each writes the entry's row.
    post_save.connect(_faq_changed, sender=FaqEntry, dispatch_uid="cms-faq-saved")
    post_delete.connect(_faq_changed, sender=FaqEntry, dispatch_uid="cms-faq-deleted")
    page_published.connect(_pages_changed, dispatch_uid="cms-page-published")
    page_unpublished.connect(_pages_changed, dispatch_uid="cms-page-unpublished")
    post_page_move.connect(_pages_changed, dispatch_uid="cms-page-moved")
    post_delete.connect(_page_deleted, dispatch_uid="cms-page-deleted")
    post_save.connect(_locales_changed, sender=Locale, dispatch_uid="cms-locale-saved")
    post_delete.connect(_locales_changed, sender=Locale, dispatch_uid="cms-locale-deleted")
    user_logged_in.connect(_logged_in, dispatch_uid="cms-sync-groups")

"""Reads of cms data, and the marketplace figures the public pages show.

Pages and views read through these; none of them writes.
"""

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.models import Locale, Page

from cms.models import pages as page_models
from cms.models.faq import FaqEntry
from cms.models.training import CourseProgress, EventRegistration
from cms.text import segment
from marketplace import selectors as marketplace_selectors
from marketplace.models import Engagement
from marketplace.selectors.prices import package_summary


def _anonymous(user):
    return user is None or not user.is_authenticated or not user.is_active


# --- Languages ---------------------------------------------------------------------


def source_language():
    """The language the programme writes in first; other languages fall back to it."""
    return settings.WAGTAIL_CONTENT_LANGUAGES[0][0]


LOCALES_KEY = "cms:locales"


def locale_codes():
    """{locale id: language code}, kept in the cache: pages ask for it on every view."""
    codes = cache.get(LOCALES_KEY)
    if codes is None:
        codes = dict(Locale.objects.values_list("pk", "language_code"))
        cache.set(LOCALES_KEY, codes, 300)
    return codes


def forget_locales():
    cache.delete(LOCALES_KEY)


def locale_id_for(language_code):
    return next((pk for pk, code in locale_codes().items() if code == language_code), None)


def language_of(page):
    return locale_codes().get(page.locale_id, "")


def source_home(home):
    """The original-language translation of a home page (itself when it is the original)."""
    pk = locale_id_for(source_language())
    if pk is None or pk == home.locale_id:
        return home
    return home.get_translation_or_none(Locale(pk=pk))


def localized_children(parent, model):
    """Live children of `parent` of type `model`, plus untranslated ones of the original.

    An English index lists the Chinese courses nobody has translated yet, marked
    `is_fallback`, so readers see that they exist rather than missing them.
    """
    own = list(model.objects.live().child_of(parent).order_by("path"))
    for page in own:
        page.is_fallback = False
    source_id = locale_id_for(source_language())
    if source_id is None or source_id == parent.locale_id:
        return own
    source_parent = parent.get_translation_or_none(Locale(pk=source_id))
    if source_parent is None:
        return own
    translated = {page.translation_key for page in own}
    fallbacks = list(
        model.objects.live()
        .child_of(source_parent)
        .exclude(translation_key__in=translated)
        .order_by("path")
    )
    for page in fallbacks:
        page.is_fallback = True
    return own + fallbacks


def breadcrumbs(page):
    """The live ancestors below the tree's root, home first."""
    return list(page.get_ancestors().filter(depth__gt=1).live().order_by("depth"))


def page_in_language(page, language_code):
    """The live translation of `page` in `language_code`, or None."""
    pk = locale_id_for(language_code)
    if pk is None:
        return None
    if pk == page.locale_id:
        return page
    translation = page.get_translation_or_none(Locale(pk=pk))
    if translation is None or not translation.live:
        return None
    return translation


def training_index_for_language(language_code):
    """The live training centre in `language_code`, else the original language's."""

    pages = page_models.TrainingIndexPage.objects.live().select_related("locale")
    for code in (language_code, source_language()):
        page = pages.filter(locale__language_code=code).order_by("path").first()
        if page is not None:
            return page
    return None


# --- Home ------------------------------------------------------------------------------


def custody_figures():
    """Firms covered in the open programme year against its target (the programme's one
    progress figure), and public counts."""
    figures = marketplace_selectors.programme_figures()
    year = marketplace_selectors.programme_year_open()
    progress = marketplace_selectors.coverage_progress(year) if year is not None else None
    figures.update(
        {
            "year": year,
            "firms_under_custody": progress.covered if progress else 0,
            "target_firms": progress.target if progress else 0,
            "custody_percent": progress.percent if progress else None,
        }
    )
    return figures


def upcoming_events(home, limit=3):
    """The next events under `home`, with untranslated originals for other languages."""

    now = timezone.now()
    # The site has one tree per language; the original's events stand in for untranslated ones.
    languages = {home.locale_id, locale_id_for(source_language())} - {None}
    events = list(
        page_models.TrainingEventPage.objects.live()
        .filter(locale_id__in=languages, ends_at__gte=now)
        .order_by("starts_at")
        .only(
            "title",
            "slug",
            "url_path",
            "path",
            "depth",
            "locale_id",
            "translation_key",
            "starts_at",
            "ends_at",
            "venue",
            "online_url",
        )[: limit * 2]
    )
    own = [event for event in events if event.locale_id == home.locale_id]
    seen = {event.translation_key for event in own}
    chosen = own + [
        event
        for event in events
        if event.locale_id != home.locale_id and event.translation_key not in seen
    ]
    for event in chosen:
        event.is_fallback = event.locale_id != home.locale_id
    return sorted(chosen, key=lambda event: event.starts_at)[:limit]


def home_context(home):

    figures = custody_figures()
    # Base pages with their content type joined: one query, and enough for their URLs.
    sections = {
        page.content_type.model: page
        for page in Page.objects.child_of(home).live().select_related("content_type")
    }
    articles = list(
        page_models.ArticlePage.objects.live()
        .descendant_of(home)
        .order_by("-date", "-pk")
        .only("title", "slug", "url_path", "path", "depth", "locale_id", "date", "kind", "summary")[
            :3
        ]
    )
    return {
        "figures": figures,
        "package": package_summary(figures["year"]),
        "training_index": sections.get(page_models.TrainingIndexPage._meta.model_name),
        "article_index": sections.get(page_models.ArticleIndexPage._meta.model_name),
        "upcoming_events": upcoming_events(home),
        "latest_articles": articles,
    }


# --- Courses ---------------------------------------------------------------------------


def course_progress_for(user, courses):
    """{course translation key: CourseProgress} of `user` for `courses`; empty for visitors."""

    if _anonymous(user) or not courses:
        return {}
    keys = {course.translation_key for course in courses}
    return {
        progress.course_key: progress
        for progress in CourseProgress.objects.filter(user=user, course_key__in=keys)
    }


def course_get_live(course_id):

    return get_object_or_404(page_models.CoursePage.objects.live(), pk=course_id)


# --- Events ----------------------------------------------------------------------------


def canonical_event(event):
    """The page an event was first written as: it holds the registrations and logistics."""

    return (
        page_models.TrainingEventPage.objects.filter(translation_key=event.translation_key)
        .order_by("pk")
        .first()
    ) or event


def event_get_live(event_id):

    return get_object_or_404(page_models.TrainingEventPage.objects.live(), pk=event_id)


def event_counts(event):
    """Places taken and the length of the waiting list of a canonical event."""

    counts = event.registrations.aggregate(
        registered=Count("pk", filter=Q(status=EventRegistration.Status.REGISTERED)),
        waitlisted=Count("pk", filter=Q(status=EventRegistration.Status.WAITLISTED)),
    )
    counts["free"] = max(0, event.capacity - counts["registered"])
    return counts


def user_can_manage_event(user, event):
    """Organisers, programme officers and those who may edit the page mark attendance."""
    if _anonymous(user):
        return False
    if user.is_programme_officer or (event.organiser_id and event.organiser_id == user.pk):
        return True
    return event.permissions_for_user(user).can_edit()


def registration_of(user, event):
    """The live (not cancelled) registration of `user` at a canonical event, if any."""

    if _anonymous(user):
        return None
    return (
        event.registrations.filter(user=user)
        .exclude(status=EventRegistration.Status.CANCELLED)
        .first()
    )


def waiting_position(registration):
    """1 for the head of the waiting list; None when not waiting."""

    if registration is None or registration.status != EventRegistration.Status.WAITLISTED:
        return None
    ahead = registration.event.registrations.filter(
        status=EventRegistration.Status.WAITLISTED
    ).filter(
        Q(queued_at__lt=registration.queued_at)
        | Q(queued_at=registration.queued_at, pk__lt=registration.pk)
    )
    return ahead.count() + 1


def event_registrations_for_manager(user, event):
    """Every live registration of a canonical event, for those who mark attendance."""

    if not user_can_manage_event(user, event):
        return EventRegistration.objects.none()
    return (
        event.registrations.exclude(status=EventRegistration.Status.CANCELLED)
        .select_related("user", "firm")
        .order_by("status", "queued_at", "pk")
    )


def event_context(page, user):
    """What an event page shows; logistics and counts come from the canonical event."""
    event = canonical_event(page)
    registration = registration_of(user, event)
    manages = user_can_manage_event(user, event)
    now = timezone.now()
    return {
        "event": event,
        "counts": event_counts(event),
        "registration": registration,
        "waiting_position": waiting_position(registration),
        "registration_open": now <= event.registration_deadline,
        "event_started": now >= event.starts_at,
        "can_register": not _anonymous(user) and user.is_firm_member,
        "manages_event": manages,
        "attendance_rows": list(event_registrations_for_manager(user, event)) if manages else [],
    }


def registration_get_for_user(*, user, registration_id):
    """A registration its own participant may cancel; anyone else gets 404."""

    registrations = EventRegistration.objects.select_related("event")
    if _anonymous(user):
        registrations = registrations.none()
    return get_object_or_404(registrations, pk=registration_id, user_id=user.pk)


def training_attendance_for(firm):
    """Events a firm's members attended, each with the engagement it counts towards.

    A row: {"registration", "event", "user", "attended_on", "engagement"}; the
    engagement is the firm's active one on the event's day, or None while the firm
    is not under custody (the attendance is kept for when it is).
    """

    registrations = list(
        EventRegistration.objects.filter(firm=firm, attended=True)
        .select_related("event", "user")
        .order_by("event__starts_at", "pk")
    )
    engagements = list(
        Engagement.objects.filter(firm=firm, status=Engagement.Status.ACTIVE).select_related(
            "programme_year", "agency"
        )
    )
    rows = []
    for registration in registrations:
        day = timezone.localdate(registration.event.starts_at)
        engagement = next(
            (e for e in engagements if e.programme_year.year == day.year),
            engagements[0] if engagements else None,
        )
        rows.append(
            {
                "registration": registration,
                "event": registration.event,
                "user": registration.user,
                "attended_on": day,
                "engagement": engagement,
            }
        )
    return rows


# --- Articles --------------------------------------------------------------------------


def article_listing(index, params):
    """Articles under `index` filtered by ?kind=, ?tag= and ?year=, with the filter choices."""

    articles = page_models.ArticlePage.objects.live().child_of(index).order_by("-date", "-pk")
    kind = params.get("kind", "")
    if kind in page_models.ArticlePage.Kind.values:
        articles = articles.filter(kind=kind)
    else:
        kind = ""
    tag = params.get("tag", "").strip()
    if tag:
        articles = articles.filter(tagged_items__tag__slug=tag)
    year = params.get("year", "")
    if year.isdigit():
        articles = articles.filter(date__year=int(year))
    else:
        year = ""
    all_here = page_models.ArticlePage.objects.live().child_of(index)
    tags = (
        page_models.ArticleTag.objects.filter(content_object__in=all_here)
        .values("tag__name", "tag__slug")
        .annotate(n=Count("pk"))
        .order_by("-n", "tag__name")[:20]
    )
    years = sorted({d.year for d in all_here.dates("date", "year")}, reverse=True)
    return {
        "articles": articles.prefetch_related("tagged_items__tag"),
        "kinds": page_models.ArticlePage.Kind.choices,
        "tags": list(tags),
        "years": years,
        "selected": {"kind": kind, "tag": tag, "year": year},
    }


# --- FAQ page ----------------------------------------------------------------------------

# The programme's FAQ categories in the order the FAQ page lists them; an editor's new
# category is listed after these under its own key until it is given a label here.
FAQ_CATEGORIES = {
    "programme": _("The programme"),
    "eligibility": _("Who can apply"),
    "agencies": _("Agencies"),
    "services": _("Custody services"),
    "payments": _("Money and co-payment"),
    "deadlines": _("Deadlines and reminders"),
    "patents": _("Patents"),
    "trademarks": _("Trademarks"),
    "training": _("Training"),
    "platform": _("Using the platform"),
}


def faq_sections(*, language_code, category=""):
    """Published FAQ entries in `language_code`, grouped by category in FAQ_CATEGORIES'
    order: [{"key", "label", "entries": [FaqEntry, …]}]. `category` narrows to one."""
    entries = FaqEntry.objects.filter(live=True, locale__language_code=language_code)
    if category:
        entries = entries.filter(category=category)
    grouped = {}
    for entry in entries.order_by("category", "question"):
        grouped.setdefault(entry.category, []).append(entry)
    order = list(FAQ_CATEGORIES)
    keys = sorted(grouped, key=lambda key: (key not in FAQ_CATEGORIES, _rank(order, key), key))
    return [
        {
            "key": key,
            "label": FAQ_CATEGORIES.get(key, key.replace("-", " ")),
            "entries": grouped[key],
        }
        for key in keys
    ]


def faq_categories(*, language_code):
    """The categories that have published entries in `language_code`, for the page's filter."""
    return [
        {"key": section["key"], "label": section["label"], "count": len(section["entries"])}
        for section in faq_sections(language_code=language_code)
    ]


def _rank(order, key):
    return order.index(key) if key in order else len(order)


# --- Search ----------------------------------------------------------------------------


def search_site(query, *, language_code, limit=20):
    """Live pages and published FAQ entries in `language_code` matching `query`.

    The query is segmented like the indexed text, so 专利申请 finds pages that say
    专利 and 申请. All words must match; if nothing does, any word may.
    """
    from wagtail.search.backends import get_search_backend

    words = segment(query, for_search=False)
    locale = Locale.objects.filter(language_code=language_code).first()
    if not words or locale is None:
        return {"pages": [], "faq": []}
    pages = Page.objects.live().filter(locale=locale).exclude(depth__lte=1)
    faq = FaqEntry.objects.filter(live=True, locale=locale)
    backend = get_search_backend()
    results = {}
    for operator in ("and", "or"):
        results = {
            "pages": list(backend.search(words, pages, operator=operator)[:limit]),
            "faq": list(backend.search(words, faq, operator=operator)[:limit]),
        }
        if results["pages"] or results["faq"]:
            break
    results["pages"] = [page.specific for page in results["pages"]]
    return results

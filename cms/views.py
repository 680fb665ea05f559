"""The public site's views: Wagtail page serving behind the anonymous cache, the language
switch for pages, search, and the training centre's buttons (register, cancel,
attendance, lesson done), each calling one action."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.response import SimpleTemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from wagtail import views as wagtail_views
from wagtail.admin.views import account as wagtail_account
from wagtail.models import Page

from cms import actions, selectors
from cms import cache as page_cache
from cms.faq import fill_answers
from cms.models import EventRegistration
from core import ratelimit
from core.errors import ActionError


def serve(request, path=""):
    """Wagtail's page view; anonymous visitors are answered from the cache when possible."""
    cacheable = page_cache.cacheable(request)
    if cacheable:
        cached = page_cache.get(request)
        if cached is not None:
            return cached
    response = wagtail_views.serve(request, path)
    if cacheable and response.status_code == 200 and not response.cookies:
        if isinstance(response, SimpleTemplateResponse):
            response.render()
        page_cache.put(request, response)
    return response


def _language_cookie(response, language):
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


@require_GET
def switch_page_language(request, language, page_id):
    """Remember `language` and open the same page in it (the original where untranslated).

    A link rather than a form: cached pages carry no CSRF token, and choosing a
    language changes nothing but the visitor's own preference.
    """
    if language not in dict(settings.LANGUAGES):
        raise Http404
    page = Page.objects.live().filter(pk=page_id).first()
    if page is None:
        raise Http404
    target = selectors.page_in_language(page, language) or page
    return _language_cookie(redirect(target.get_url(request) or "/"), language)


def training_centre(request):
    """A stable address for the training centre, whatever its slug in each language."""
    page = selectors.training_index_for_language(get_language())
    if page is None:
        raise Http404
    return redirect(page.get_url(request))


def search(request):
    query = request.GET.get("q", "").strip()[:200]
    results = selectors.search_site(query, language_code=get_language()) if query else None
    if results:
        fill_answers(results["faq"])
    return render(request, "cms/search.html", {"query": query, "results": results})


@require_GET
def faq(request):
    """Every published question and answer in the visitor's language, by category."""
    language = get_language()
    categories = selectors.faq_categories(language_code=language)
    category = request.GET.get("category", "")
    if category not in {item["key"] for item in categories}:
        category = ""
    sections = selectors.faq_sections(language_code=language, category=category)
    fill_answers(entry for section in sections for entry in section["entries"])
    return render(
        request,
        "cms/faq.html",
        {
            "sections": sections,
            "categories": categories,
            "category": category,
            "total": sum(item["count"] for item in categories),
            "cms_section": "faq",
        },
    )


def _back_to(request, page):
    candidate = request.POST.get("next")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(candidate)
    return redirect(page.get_url(request) or "/")


@login_required
@require_POST
def event_register(request, event_id):
    page = selectors.event_get_live(event_id)
    try:
        registration = actions.event_register(event=page, by=request.user)
    except ActionError as error:
        messages.error(request, error.message)
        return _back_to(request, page)
    if registration.status == EventRegistration.Status.REGISTERED:
        messages.success(request, _("You are registered. See you there!"))
    else:
        position = selectors.waiting_position(registration)
        messages.warning(
            request,
            _(
                "The event is full, so you are on the waiting list (number %(position)s). "
                "If a place is freed it goes to the first person waiting, and we will e-mail you."
            )
            % {"position": position},
        )
    return _back_to(request, page)


@login_required
@require_POST
def registration_cancel(request, registration_id):
    registration = selectors.registration_get_for_user(
        user=request.user, registration_id=registration_id
    )
    page = registration.event
    try:
        actions.event_registration_cancel(registration=registration, by=request.user)
    except ActionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your registration is cancelled."))
    return _back_to(request, page)


@login_required
@require_POST
def event_attendance(request, event_id):
    """Tick who came: `present` lists the registrations marked present, the rest absent."""
    page = selectors.event_get_live(event_id)
    event = selectors.canonical_event(page)
    if not selectors.user_can_manage_event(request.user, event):
        raise Http404
    rows = list(selectors.event_registrations_for_manager(request.user, event))
    present = set(request.POST.getlist("present"))
    changed = 0
    try:
        for registration in rows:
            if registration.status != EventRegistration.Status.REGISTERED:
                continue
            attended = str(registration.pk) in present
            if attended != registration.attended:
                actions.event_attendance_mark(
                    registration=registration, attended=attended, by=request.user
                )
                changed += 1
    except ActionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Attendance saved (%(count)s changed).") % {"count": changed})
    return _back_to(request, page)


@login_required
@require_POST
def lesson_done(request, course_id, lesson_id):
    course = selectors.course_get_live(course_id)
    done = request.POST.get("done", "1") == "1"
    try:
        actions.course_lesson_complete(
            course=course, lesson_id=lesson_id, by=request.user, done=done
        )
    except ActionError as error:
        messages.error(request, error.message)
    return _back_to(request, course)


class CmsPasswordResetView(ratelimit.PasswordResetLimitMixin, wagtail_account.PasswordResetView):
    """The CMS login's "forgotten password", limited like the portal's (config/urls.py)."""

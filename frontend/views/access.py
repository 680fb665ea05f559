"""What every portal view shares: role checks, pagination and the answer to a decision."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from core import selectors as core_selectors
from core.errors import ActionError

PAGE_SIZE = 25


def role_required(*roles):
    """Anonymous visitors go to the login page; signed-in users without one of `roles` get 403.

    Roles are the User properties without their `is_` prefix, e.g. "firm_member".
    """

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not any(getattr(request.user, f"is_{role}") for role in roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def paginate(request, queryset, per_page=PAGE_SIZE, param="page"):
    """The page of `queryset` asked for by the query parameter `param` (a home page's
    timeline pages with its own parameter, apart from the list beside it)."""
    return Paginator(queryset, per_page).get_page(request.GET.get(param))


# A home's or a participant's timeline: this many events a page, newest first.
TIMELINE_PAGE_SIZE = 10
TIMELINE_PARAM = "log"


def timeline(request, events):
    """One page of `events` (newest first) for includes/timeline.html, paged by ?log=, each
    naming its subject in the reader's language where that is worded per language."""
    page = paginate(request, events, TIMELINE_PAGE_SIZE, param=TIMELINE_PARAM)
    page.object_list = list(page.object_list)
    labels = core_selectors.audit_subject_labels(page.object_list)
    for event in page.object_list:
        event.subject_label = labels.get(event.pk, event.subject_repr)
    return page


def next_url(request, default):
    """The page a form asked to return to, if it is on this site; else `default`."""
    candidate = request.POST.get("next") or request.GET.get("next")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def decide(request, *, run, success, panels, form=None, default=None):
    """Run one action from a decision button and answer the way the page asked.

    `run` calls the action once `form` (if any) is valid; a refusal becomes an
    error message. An htmx request whose target is one of `panels` (target id ->
    view rendering that panel) gets the re-rendered panel; a plain form post is
    redirected back (to `default`, else the role's home, when the form names no page).
    """
    subject = None
    if form is not None and not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, errors[0])
    else:
        try:
            subject = run()
        except ActionError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, success)
    target = request.htmx.target if request.htmx else None
    if target in panels:
        return panels[target](request, changed=subject)
    return redirect(next_url(request, default or reverse("frontend:role-home")))

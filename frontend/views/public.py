from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

# Checked in this order; the first role a user holds picks their home.
ROLE_HOMES = [
    ("firm_member", "frontend:firm-home"),
    ("agency_staff", "frontend:agency-home"),
    ("incubator_manager", "frontend:incubator-home"),
    ("programme_officer", "frontend:office-home"),
]


@login_required
def role_home(request):
    for role, url_name in ROLE_HOMES:
        if getattr(request.user, f"is_{role}"):
            return redirect(url_name)
    return redirect("frontend:home")


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: the site's own 403 page in the reader's language, with a way back.

    Usually an old tab or an expired session; the way back is the page the form was on (when
    it is on this site), which hands out a fresh token. Django's reason stays in the log only.
    """
    back = request.META.get("HTTP_REFERER", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = ""
    return render(request, "csrf_failure.html", {"back_url": back}, status=403)

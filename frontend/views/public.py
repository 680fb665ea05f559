from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

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

"""Print the demo accounts that seed_demo created, one line per role."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.shortcuts import resolve_url
from django.urls import NoReverseMatch, reverse

from demo import programme as demo
from marketplace.models import User


def _path(url_name, fallback):
    # The portal's URLs may be renamed; the printed link must still work.
    try:
        return resolve_url(url_name)
    except NoReverseMatch:
        return fallback


class Command(BaseCommand):
    help = "Print role, username, password and the page to open for each demo login."

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help="Where the site is served (default: %(default)s).",
        )

    def handle(self, *args, base_url, **options):
        base_url = base_url.rstrip("/")
        usernames = [login.username for login in demo.DEMO_LOGINS]
        existing = set(
            User.objects.filter(username__in=usernames, is_active=True).values_list(
                "username", flat=True
            )
        )
        if not existing:
            self.stdout.write("No demo logins yet; run `manage.py seed_demo` first.")
            return
        login_url = base_url + _path(settings.LOGIN_URL, "/login/")
        labels = dict(User.Role.choices)
        self.stdout.write(self.style.MIGRATE_HEADING("Demo logins"))
        for login in demo.DEMO_LOGINS:
            if login.username not in existing:
                continue
            self.stdout.write(
                f"  {labels[login.role]!s:<20} {login.username:<14} "
                f"{demo.DEMO_PASSWORD:<16} {login_url}"
            )
        if "demo-officer" in existing:
            self.stdout.write(f"  Django admin (demo-officer): {base_url}{reverse('admin:index')}")
            if settings.EMAIL_DELIVERY_BACKEND.endswith("filebased.EmailBackend"):
                self.stdout.write(
                    f"  E-mail goes to {settings.EMAIL_FILE_PATH}/; the programme officer reads "
                    f"it at {base_url}{_path('frontend:mailbox', '/office/mail/')}"
                )

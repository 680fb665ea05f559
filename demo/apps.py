from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo programme: every seeder and the commands that run them. Nothing imports it."""

    name = "demo"
    verbose_name = _("Demo data")

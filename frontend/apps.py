from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _draw_computed_page(sender, **kwargs):
    # The views (and the exports' spreadsheet library) load when a job first computes,
    # not with every command's start-up.
    from frontend.views import dashboards

    return dashboards.draw_computed_page(sender, **kwargs)


def _remember_origin(sender, **kwargs):
    from frontend.views import dashboards

    return dashboards.on_signed_in(sender, **kwargs)


class FrontendConfig(AppConfig):
    name = "frontend"
    verbose_name = _("Portals")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from reporting import snapshots

        # The jobs that compute the dashboards' figures draw the pages they open with.
        snapshots.computed.connect(_draw_computed_page, dispatch_uid="frontend-pages")
        user_logged_in.connect(_remember_origin, dispatch_uid="frontend-pages")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _remember_language(sender, request=None, user=None, **kwargs):
    from marketplace.actions.people import user_language_set

    # The language the sign-in page was read in (LocaleMiddleware's choice).
    user_language_set(user=user, language=getattr(request, "LANGUAGE_CODE", ""))


class MarketplaceConfig(AppConfig):
    name = "marketplace"
    verbose_name = _("Marketplace")

    def ready(self):
        # Register the periodic jobs with Celery in every process, not only in workers.
        from django.contrib.auth.signals import user_logged_in

        from marketplace import notices, tasks  # noqa: F401

        user_logged_in.connect(_remember_language, dispatch_uid="marketplace-language")

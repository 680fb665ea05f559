"""A person's own settings."""

from django.conf import settings

from marketplace.models import User


def user_language_set(*, user, language):
    """Remember the language `user` reads the site in: their notices' e-mails and the
    monthly summary are worded in it. A language the site does not offer is ignored;
    returns whether the stored one changed (a write only then)."""
    if language not in dict(settings.LANGUAGES) or user.language == language:
        return False
    User.objects.filter(pk=user.pk).update(language=language)
    user.language = language
    return True

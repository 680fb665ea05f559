"""Every password change revokes the user's API tokens, whatever the path.

Django tells each configured password validator when a user's password has been saved
(`password_changed`, called by AbstractBaseUser.save after set_password): the account page,
the reset link, the admin, `manage.py changepassword` and the API all pass there, so the
revocation lives in one place and no path can forget it. It refuses no password itself.
"""

from django.utils.translation import gettext as _

from marketplace.actions.tokens import api_tokens_revoke_all


class RevokeApiTokensOnChange:
    def validate(self, password, user=None):
        return None

    def password_changed(self, password, user=None):
        if user is not None and user.pk is not None:
            api_tokens_revoke_all(user=user, by=None, reason=_("The password was changed."))

    def get_help_text(self):
        return _("A new password signs your API tokens out.")

"""Sign-in, password reset and self sign-up of firms and agencies."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.http import require_POST

from core import ratelimit
from core.api.problems import problem_response
from core.errors import ActionError
from frontend import forms
from marketplace import actions


@require_POST
def set_language(request):
    """Django's language switch; a signed-in person's choice is also remembered, so that
    their e-mails read in the language they use the site in."""
    response = i18n.set_language(request)
    if request.user.is_authenticated:
        actions.user_language_set(user=request.user, language=request.POST.get("language", ""))
    return response


class LoginView(auth_views.LoginView):
    template_name = "frontend/accounts/login.html"
    authentication_form = forms.LoginForm
    redirect_authenticated_user = True


class PasswordResetView(ratelimit.PasswordResetLimitMixin, auth_views.PasswordResetView):
    template_name = "frontend/accounts/password_reset_form.html"
    email_template_name = "frontend/accounts/password_reset_email.txt"
    subject_template_name = "frontend/accounts/password_reset_subject.txt"
    form_class = forms.PasswordResetForm
    success_url = reverse_lazy("frontend:password-reset-done")

    def form_valid(self, form):
        # Without the sites framework the e-mail would name the bare host name.
        self.extra_email_context = {"site_name": settings.PROGRAMME_NAME}
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "frontend/accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "frontend/accounts/password_reset_confirm.html"
    form_class = forms.SetPasswordForm
    success_url = reverse_lazy("frontend:password-reset-complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "frontend/accounts/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "frontend/accounts/password_change.html"
    form_class = forms.PasswordChangeForm
    success_url = reverse_lazy("frontend:role-home")

    def form_valid(self, form):
        messages.success(self.request, _("Your password is changed."))
        return super().form_valid(form)


def _signup(request, *, form_class, template, register, welcome):
    """Validate the form, call the registering action, sign the new user in.

    `register(form)` calls the action and returns the new user.

    The action is atomic, so a refusal (e.g. a user name taken meanwhile) saves
    nothing; its errors are put on the fields they name.
    """
    if request.user.is_authenticated:
        messages.info(request, _("You are signed in already; sign out to register someone else."))
        return redirect("frontend:role-home")
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = register(form)
        except (ValidationError, ActionError) as error:
            form.add_action_error(error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, welcome)
            return redirect("frontend:role-home")
    return render(request, template, {"form": form})


def signup_firm(request):
    return _signup(
        request,
        form_class=forms.FirmSignupForm,
        template="frontend/accounts/signup_firm.html",
        register=lambda form: actions.firm_register(
            firm_fields=form.firm_fields(), **form.account_fields()
        )[1],
        welcome=_("Your firm is registered. Its incubator will confirm it shortly."),
    )


def signup_agency(request):
    return _signup(
        request,
        form_class=forms.AgencySignupForm,
        template="frontend/accounts/signup_agency.html",
        register=lambda form: actions.agency_register(
            agency_fields=form.agency_fields(),
            service_items=form.cleaned_data["service_items"],
            **form.account_fields(),
        )[1],
        welcome=_("Your application is received. The programme office will review it."),
    )


def locked_out(request, original_response=None, credentials=None):
    """What django-axes answers after too many failed sign-ins (AXES_LOCKOUT_CALLABLE)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = _(
        "Too many failed sign-ins. For your security, signing in is locked for %(minutes)d "
        "minutes; try again later or reset your password."
    ) % {"minutes": minutes}
    if request.path.startswith("/api/"):
        retry_after = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
        return problem_response(
            429, code="locked_out", detail=message, headers={"Retry-After": retry_after}
        )
    return render(request, "frontend/accounts/locked_out.html", {"message": message}, status=429)

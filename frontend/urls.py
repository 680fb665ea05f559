from django.contrib.auth import views as auth_views
from django.urls import path

from frontend.views import accounts, agencies, firms, incubators, office, public

app_name = "frontend"

urlpatterns = [
    path("", public.home, name="home"),
    path("me/", public.role_home, name="role-home"),
    # Accounts
    path("login/", accounts.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/change/", accounts.PasswordChangeView.as_view(), name="password-change"),
    path("password/reset/", accounts.PasswordResetView.as_view(), name="password-reset"),
    path(
        "password/reset/sent/",
        accounts.PasswordResetDoneView.as_view(),
        name="password-reset-done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "password/reset/complete/",
        accounts.PasswordResetCompleteView.as_view(),
        name="password-reset-complete",
    ),
    path("signup/firm/", accounts.signup_firm, name="signup-firm"),
    path("signup/agency/", accounts.signup_agency, name="signup-agency"),
    # Role homes
    path("firm/", firms.firm_home, name="firm-home"),
    path("agency/", agencies.agency_home, name="agency-home"),
    path("incubator/", incubators.incubator_home, name="incubator-home"),
    path("office/", office.office_home, name="office-home"),
    # Lists, details and decisions
    path("office/incubators/", incubators.incubator_list, name="incubator-list"),
    path("firms/", firms.firm_list, name="firm-list"),
    path("firms/<int:firm_id>/", firms.firm_detail, name="firm-detail"),
    path("firms/<int:firm_id>/verify/", firms.firm_verify, name="firm-verify"),
    path("firms/<int:firm_id>/reject/", firms.firm_reject, name="firm-reject"),
    path("agencies/", agencies.agency_list, name="agency-list"),
    path("agencies/<int:agency_id>/", agencies.agency_detail, name="agency-detail"),
    path("agencies/<int:agency_id>/approve/", agencies.agency_approve, name="agency-approve"),
    path("agencies/<int:agency_id>/reject/", agencies.agency_reject, name="agency-reject"),
    path("agencies/<int:agency_id>/suspend/", agencies.agency_suspend, name="agency-suspend"),
]

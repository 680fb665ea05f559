from django.contrib.auth import views as auth_views
from django.urls import path

from cms import views as cms_views
from frontend.views import (
    accounts,
    agencies,
    allocation,
    engagements,
    firms,
    incubators,
    notifications,
    offers,
    office,
    public,
    requests,
)

app_name = "frontend"

urlpatterns = [
    # The public home is the Wagtail home page (cms.HomePage), behind the page cache.
    path("", cms_views.serve, name="home"),
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
    # Custody requests, offers and engagements
    path("requests/", requests.request_list, name="request-list"),
    path("requests/new/", requests.request_new, name="request-new"),
    path("requests/<int:request_id>/", requests.request_detail, name="request-detail"),
    path("requests/<int:request_id>/choose/", requests.request_choose, name="request-choose"),
    path("requests/<int:request_id>/withdraw/", requests.request_withdraw, name="request-withdraw"),
    path("offers/", offers.offer_inbox, name="offer-inbox"),
    path("offers/<int:offer_id>/", offers.offer_detail, name="offer-detail"),
    path("offers/<int:offer_id>/accept/", offers.offer_accept, name="offer-accept"),
    path("offers/<int:offer_id>/decline/", offers.offer_decline, name="offer-decline"),
    path("engagements/", engagements.engagement_list, name="engagement-list"),
    path(
        "engagements/<int:engagement_id>/",
        engagements.engagement_detail,
        name="engagement-detail",
    ),
    path(
        "engagements/<int:engagement_id>/change/",
        requests.engagement_change,
        name="engagement-change",
    ),
    # Programme office: cohort allocation and changes of agency
    path("office/allocation/", allocation.allocation_home, name="allocation"),
    path("office/allocation/preview/", allocation.allocation_preview, name="allocation-preview"),
    path("office/allocation/<int:run_id>/", allocation.allocation_run, name="allocation-run"),
    path(
        "office/allocation/<int:run_id>/commit/",
        allocation.allocation_commit,
        name="allocation-commit",
    ),
    path("office/changes/", allocation.agency_change_list, name="agency-changes"),
    path(
        "office/changes/<int:change_id>/approve/",
        allocation.agency_change_approve,
        name="agency-change-approve",
    ),
    path(
        "office/changes/<int:change_id>/refuse/",
        allocation.agency_change_refuse,
        name="agency-change-refuse",
    ),
    # Notifications
    path("notifications/", notifications.notification_list, name="notifications"),
    path(
        "notifications/<int:notification_id>/read/",
        notifications.notification_read,
        name="notification-read",
    ),
    path(
        "notifications/read-all/",
        notifications.notifications_read_all,
        name="notifications-read-all",
    ),
]

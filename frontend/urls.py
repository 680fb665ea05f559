from django.contrib.auth import views as auth_views
from django.urls import path

from cms import views as cms_views
from frontend.views import (
    accounts,
    agencies,
    allocation,
    api_tokens,
    dashboards,
    deadlines,
    engagements,
    firm_lists,
    firms,
    incubators,
    mailbox,
    notifications,
    offers,
    office,
    payments,
    portfolio,
    public,
    requests,
    services,
    webhooks,
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
    path("account/api-tokens/", api_tokens.api_tokens, name="api-tokens"),
    path("account/api-tokens/new/", api_tokens.api_token_new, name="api-token-new"),
    path(
        "account/api-tokens/revoke-all/",
        api_tokens.api_tokens_revoke_all,
        name="api-tokens-revoke-all",
    ),
    path(
        "account/api-tokens/<str:token_key>/revoke/",
        api_tokens.api_token_revoke,
        name="api-token-revoke",
    ),
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
    path("office/mail/", mailbox.mailbox, name="mailbox"),
    # Lists, details and decisions
    path("office/incubators/", incubators.incubator_list, name="incubator-list"),
    path("firms/", firms.firm_list, name="firm-list"),
    path("firms/export.<str:fmt>", firm_lists.firm_list_export, name="firm-list-export"),
    path("firms/<int:firm_id>/", firms.firm_detail, name="firm-detail"),
    path("firms/<int:firm_id>/verify/", firms.firm_verify, name="firm-verify"),
    path(
        "firms/<int:firm_id>/incubation-end/",
        firms.firm_incubation_end,
        name="firm-incubation-end",
    ),
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
    path(
        "requests/<int:request_id>/choose/<int:agency_id>/",
        requests.request_choose_confirm,
        name="request-choose-confirm",
    ),
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
    # Deadline board, deadlines marked done with evidence, the secret calendar feed
    path("deadlines/", deadlines.deadline_board, name="deadline-board"),
    path("deadlines/<int:deadline_id>/", deadlines.deadline_detail, name="deadline-detail"),
    path("deadlines/<int:deadline_id>/done/", deadlines.deadline_done, name="deadline-done"),
    path(
        "deadlines/<int:deadline_id>/evidence/<int:evidence_id>/",
        deadlines.deadline_evidence,
        name="deadline-evidence",
    ),
    path("deadlines/calendar/issue/", deadlines.calendar_feed_issue, name="calendar-feed-issue"),
    path("deadlines/calendar/revoke/", deadlines.calendar_feed_revoke, name="calendar-feed-revoke"),
    path("calendar/<str:token>.ics", deadlines.calendar_feed, name="calendar-feed"),
    # Service records with their evidence, settlement, quarterly report (custody.actions)
    path(
        "engagements/<int:engagement_id>/services/",
        services.service_list,
        name="service-list",
    ),
    path(
        "engagements/<int:engagement_id>/services/log/",
        services.service_log,
        name="service-log",
    ),
    path("services/<int:record_id>/confirm/", services.service_confirm, name="service-confirm"),
    path("services/<int:record_id>/dispute/", services.service_dispute, name="service-dispute"),
    path("services/<int:record_id>/correct/", services.service_correct, name="service-correct"),
    path("evidence/<int:evidence_id>/", services.evidence_download, name="service-evidence"),
    path(
        "engagements/<int:engagement_id>/settlement/",
        services.settlement_detail,
        name="settlement",
    ),
    path(
        "engagements/<int:engagement_id>/settlement/rate/",
        services.settlement_rate,
        name="settlement-rate",
    ),
    path(
        "engagements/<int:engagement_id>/settlement/confirm/",
        services.settlement_confirm,
        name="settlement-confirm",
    ),
    path(
        "engagements/<int:engagement_id>/settlement/approve/",
        services.settlement_approve,
        name="settlement-approve",
    ),
    path("firms/<int:firm_id>/report/", services.report_current, name="firm-report-current"),
    path(
        "firms/<int:firm_id>/report/<int:year>/Q<int:quarter>/",
        services.report_page,
        name="firm-report",
    ),
    path(
        "firms/<int:firm_id>/report/<int:year>/Q<int:quarter>.pdf",
        services.report_pdf,
        name="firm-report-pdf",
    ),
    # A firm's IP portfolio: list, assets, import and export (custody.actions, portfolio_io)
    path("portfolio/", portfolio.portfolio_mine, name="portfolio-mine"),
    path("firms/<int:firm_id>/portfolio/", portfolio.portfolio, name="portfolio"),
    path(
        "firms/<int:firm_id>/portfolio/new/",
        portfolio.asset_new,
        name="portfolio-asset-new",
    ),
    path(
        "firms/<int:firm_id>/portfolio/import/",
        portfolio.portfolio_import,
        name="portfolio-import",
    ),
    path(
        "firms/<int:firm_id>/portfolio/imports/<int:job_id>/",
        portfolio.portfolio_import_job,
        name="portfolio-import-job",
    ),
    path(
        "firms/<int:firm_id>/portfolio/fee-forecast.<str:fmt>",
        portfolio.portfolio_forecast_export,
        name="portfolio-fee-forecast-export",
    ),
    path(
        "firms/<int:firm_id>/portfolio/export.<str:fmt>",
        portfolio.portfolio_export,
        name="portfolio-export",
    ),
    path(
        "firms/<int:firm_id>/portfolio/<int:asset_id>/",
        portfolio.asset_detail,
        name="portfolio-asset",
    ),
    path(
        "firms/<int:firm_id>/portfolio/<int:asset_id>/edit/",
        portfolio.asset_edit,
        name="portfolio-asset-edit",
    ),
    # Programme office: cohort allocation and changes of agency
    # Payments
    path(
        "engagements/<int:engagement_id>/payments/",
        payments.engagement_payments,
        name="engagement-payments",
    ),
    path(
        "engagements/<int:engagement_id>/payments/checkout/",
        payments.engagement_checkout,
        name="engagement-checkout",
    ),
    path(
        "engagements/<int:engagement_id>/payments/record/",
        payments.engagement_payment_record,
        name="engagement-payment-record",
    ),
    path(
        "engagements/<int:engagement_id>/payments/payout/retry/",
        payments.payout_retry,
        name="payout-retry",
    ),
    path("office/payments/", payments.payments_office, name="payments-office"),
    path(
        "office/payments/reconciliation/",
        payments.payments_reconciliation,
        name="payments-reconciliation",
    ),
    path(
        "office/payments/ledger.<str:fmt>",
        payments.payments_ledger_export,
        name="payments-ledger-export",
    ),
    path("agency/payouts/", payments.agency_payouts, name="agency-payouts"),
    path("settings/webhooks/", webhooks.webhook_list, name="webhooks"),
    path("settings/webhooks/<int:endpoint_id>/", webhooks.webhook_detail, name="webhook-detail"),
    path(
        "settings/webhooks/<int:endpoint_id>/rotate/",
        webhooks.webhook_rotate,
        name="webhook-rotate",
    ),
    path(
        "settings/webhooks/<int:endpoint_id>/delete/",
        webhooks.webhook_delete,
        name="webhook-delete",
    ),
    path(
        "settings/webhooks/deliveries/<int:delivery_id>/replay/",
        webhooks.webhook_replay,
        name="webhook-replay",
    ),
    path("agency/payouts/connect/", payments.agency_payouts_connect, name="agency-payouts-connect"),
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
    # Dashboards and their exports
    path("dashboards/incubator/", dashboards.incubator_dashboard, name="dashboard-incubator"),
    path("dashboards/programme/", dashboards.programme_dashboard, name="dashboard-programme"),
    path("dashboards/agency/", dashboards.agency_dashboard, name="dashboard-agency"),
    path(
        "dashboards/incubator/export/<slug:table>.<str:fmt>",
        dashboards.incubator_export,
        name="dashboard-incubator-export",
    ),
    path(
        "dashboards/programme/export/<slug:table>.<str:fmt>",
        dashboards.programme_export,
        name="dashboard-programme-export",
    ),
    path(
        "dashboards/agency/export/<slug:table>.<str:fmt>",
        dashboards.agency_export,
        name="dashboard-agency-export",
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

from django.urls import path
from rest_framework.routers import SimpleRouter

from custody.api import (
    assets,
    clients,
    deadlines,
    fees,
    payments,
    reports,
    services,
    settlements,
    sync,
)

router = SimpleRouter()
router.register("client-firms", clients.ClientFirmViewSet, basename="client-firm")
router.register("assets", assets.IPAssetViewSet, basename="asset")
router.register("asset-imports", assets.PortfolioImportViewSet, basename="asset-import")
router.register("deadlines", deadlines.DeadlineViewSet, basename="deadline")
router.register("service-records", services.ServiceRecordViewSet, basename="service-record")
router.register("evidence", services.EvidenceViewSet, basename="evidence")
router.register("settlements", settlements.SettlementViewSet, basename="settlement")
router.register("copayments", payments.CoPaymentViewSet, basename="copayment")
router.register("payouts", payments.PayoutViewSet, basename="payout")
router.register("deletions", sync.DeletionViewSet, basename="deletion")

urlpatterns = [
    path("fee-forecasts/<int:firm_id>/", fees.FeeForecastView.as_view(), name="fee-forecast"),
    path(
        "quarterly-reports/<int:firm_id>/<int:year>/<int:quarter>/",
        reports.QuarterlyReportView.as_view(),
        name="quarterly-report",
    ),
    path(
        "quarterly-reports/<int:firm_id>/<int:year>/<int:quarter>/pdf/",
        reports.QuarterlyReportPdfView.as_view(),
        name="quarterly-report-pdf",
    ),
    *router.urls,
]

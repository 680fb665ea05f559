from django.urls import path
from rest_framework.routers import DefaultRouter

from marketplace.api import contracting, tokens, views

router = DefaultRouter()
router.register("incubators", views.IncubatorViewSet, basename="incubator")
router.register("firms", views.FirmViewSet, basename="firm")
router.register("agencies", views.AgencyViewSet, basename="agency")
router.register("service-items", views.ServiceItemViewSet, basename="service-item")
router.register("programme-years", views.ProgrammeYearViewSet, basename="programme-year")
router.register("high-tech-parks", views.HighTechParkViewSet, basename="high-tech-park")
router.register("audit-events", views.AuditEventViewSet, basename="audit-event")
router.register("custody-requests", contracting.CustodyRequestViewSet, basename="custody-request")
router.register("offers", contracting.OfferViewSet, basename="offer")
router.register("engagements", contracting.EngagementViewSet, basename="engagement")
router.register("agency-changes", contracting.AgencyChangeViewSet, basename="agency-change")
router.register("allocation-runs", contracting.AllocationRunViewSet, basename="allocation-run")
router.register("notifications", contracting.NotificationViewSet, basename="notification")

urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    path("auth/token/", tokens.TokenView.as_view(), name="token"),
    path("auth/tokens/", tokens.TokenListView.as_view(), name="tokens"),
    path("auth/tokens/<str:token_key>/", tokens.TokenRevokeView.as_view(), name="token-revoke"),
    *router.urls,
]

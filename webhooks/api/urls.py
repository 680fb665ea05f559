from rest_framework.routers import SimpleRouter

from webhooks.api import views

router = SimpleRouter()
router.register("webhook-endpoints", views.EndpointViewSet, basename="webhook-endpoint")
router.register("webhook-deliveries", views.DeliveryViewSet, basename="webhook-delivery")

urlpatterns = router.urls

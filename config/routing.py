"""WebSocket routes, one list per app, joined here."""

websocket_urlpatterns = []

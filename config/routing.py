"""WebSocket routes, one list per app, joined here."""

from django.urls import path

from chat.consumers import AdviserConsumer, ChatConsumer

websocket_urlpatterns = [
    path("ws/chat/adviser/", AdviserConsumer.as_asgi()),
    path("ws/chat/", ChatConsumer.as_asgi()),
]

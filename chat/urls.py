from django.urls import path

from chat import views

app_name = "chat"

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:conversation_id>/", views.conversation_detail, name="conversation"),
    path("inbox/<int:conversation_id>/claim/", views.claim, name="claim"),
    path("inbox/<int:conversation_id>/reply/", views.reply, name="reply"),
    path("inbox/<int:conversation_id>/transfer/", views.transfer, name="transfer"),
    path("inbox/<int:conversation_id>/resolve/", views.resolve, name="resolve"),
    path("analytics/", views.analytics, name="analytics"),
    path("learning/", views.learning, name="learning"),
    path("learning/<int:message_id>/", views.learn, name="learn"),
    path("session/", views.session_start, name="session"),
]

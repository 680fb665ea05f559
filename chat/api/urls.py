from django.urls import path

from chat.api import views

urlpatterns = [
    path("chat/answer", views.AnswerView.as_view(), name="chat-answer"),
]

from django.urls import path

from cms import views

app_name = "cms"

urlpatterns = [
    path("search/", views.search, name="search"),
    path("faq/", views.faq, name="faq"),
    path("training-centre/", views.training_centre, name="training-centre"),
    path(
        "language/<str:language>/page/<int:page_id>/",
        views.switch_page_language,
        name="page-language",
    ),
    path("events/<int:event_id>/register/", views.event_register, name="event-register"),
    path("events/<int:event_id>/attendance/", views.event_attendance, name="event-attendance"),
    path(
        "events/registrations/<int:registration_id>/cancel/",
        views.registration_cancel,
        name="registration-cancel",
    ),
    path(
        "courses/<int:course_id>/lessons/<str:lesson_id>/",
        views.lesson_done,
        name="lesson-done",
    ),
]

import pytest
from django.urls import reverse

from cms import actions
from cms.models import CourseProgress
from core.errors import ActionError
from tests.cms.conftest import make_course, translate

pytestmark = pytest.mark.django_db


def test_learner_marks_lessons_done_and_sees_progress(client, tree, personas):
    course = make_course(tree.training["en"])
    first, second = course.lesson_ids
    client.force_login(personas.firm_member)

    client.post(reverse("cms:lesson-done", args=[course.pk, first]), {"done": "1"})
    response = client.get(course.url)

    assert response.context["completed_count"] == 1
    assert "1 of 2 lessons done" in response.text
    rows = client.get(tree.training["en"].url).context["course_rows"]
    assert [row["done"] for row in rows] == [1]


def test_progress_follows_the_learner_into_the_other_language(tree, personas):
    course = make_course(tree.training["zh-hans"])
    english = translate(course, tree.en, title="In English")

    actions.course_lesson_complete(
        course=course, lesson_id=course.lesson_ids[0], by=personas.firm_member
    )

    progress = CourseProgress.objects.get()
    assert progress.done_in(english) == 1


def test_undoing_a_lesson(tree, personas):
    course = make_course(tree.training["en"])
    lesson_id = course.lesson_ids[0]
    actions.course_lesson_complete(course=course, lesson_id=lesson_id, by=personas.firm_member)

    progress = actions.course_lesson_complete(
        course=course, lesson_id=lesson_id, by=personas.firm_member, done=False
    )

    assert progress.completed == []


def test_unknown_lesson_is_refused(tree, personas):
    course = make_course(tree.training["en"])

    with pytest.raises(ActionError):
        actions.course_lesson_complete(course=course, lesson_id="nope", by=personas.firm_member)


def test_visitors_are_invited_to_log_in_for_progress(client, tree):
    course = make_course(tree.training["en"])

    response = client.get(course.url)

    assert "to keep track of your progress" in response.text
    assert client.post(reverse("cms:lesson-done", args=[course.pk, "x"])).status_code == 302

"""The learning loop: a question an adviser answered becomes, in one click, a draft FAQ
entry (the adviser's reply as its answer) or one more wording of an entry, through the
CMS's moderation; nothing changes for the assistant until a moderator approves it."""

import json

import pytest
from wagtail.models import WorkflowState

from chat import actions
from cms.access import sync_cms_groups
from cms.faq_io import import_faq
from cms.models import FaqEntry
from tests.chat.conftest import online
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(personas):
    """A visitor asked, nobody's FAQ answered it, an adviser did."""
    online(personas.agency_consultant)
    conversation = actions.conversation_start(user=None, session_key="s", language="en")
    conversation, _system = actions.handoff_request(conversation=conversation, topic="Fees")
    actions.message_post(conversation=conversation, text="Can the agency pay our fees for us?")
    actions.adviser_claim(conversation=conversation, by=personas.agency_consultant)
    return actions.adviser_reply(
        conversation=conversation,
        by=personas.agency_consultant,
        text="Yes, within the package.\nAsk your agency <b>in writing</b>.",
    )


@pytest.fixture
def editor():
    user = UserFactory(role="cms_editor")
    sync_cms_groups(user)
    return user


def _approve(entry, moderator):
    sync_cms_groups(moderator)
    state = WorkflowState.objects.get(object_id=str(entry.pk), status="in_progress")
    task_state = state.current_task_state
    task_state.task.specific.on_action(task_state, moderator, "approve")
    entry.refresh_from_db()
    return entry


def test_the_learning_page_lists_what_advisers_answered(client, editor, answered):
    client.force_login(editor)

    html = client.get("/chat/learning/").content.decode()

    assert "Can the agency pay our fees for us?" in html
    assert "Yes, within the package." in html
    assert f'action="/chat/learning/{answered.pk}/"' in html
    # Listed once, in the page's body (not also inside its <title>).
    assert html.count('data-testid="answered"') == 1
    title = html[html.index("<title>") : html.index("</title>")]
    assert "<section" not in title


def test_one_click_makes_a_draft_entry_in_review_with_the_advisers_answer(
    client, editor, answered, personas
):
    client.force_login(editor)

    response = client.post(f"/chat/learning/{answered.pk}/")

    entry = FaqEntry.objects.get(key=f"learned-{answered.pk}")
    assert response.status_code == 302
    assert response.url == f"/cms/snippets/cms/faqentry/edit/{entry.pk}/"
    assert (entry.locale.language_code, entry.question) == (
        "en",
        "Can the agency pay our fees for us?",
    )
    assert entry.answer == (
        "<p>Yes, within the package.</p><p>Ask your agency &lt;b&gt;in writing&lt;/b&gt;.</p>"
    )
    assert not entry.live and entry.workflow_in_progress

    assert _approve(entry, personas.officer).live


def test_a_second_click_proposes_nothing_more(client, editor, answered):
    client.force_login(editor)
    client.post(f"/chat/learning/{answered.pk}/")

    response = client.post(f"/chat/learning/{answered.pk}/", follow=True)

    assert FaqEntry.objects.filter(key=f"learned-{answered.pk}").count() == 1
    assert "proposed for the FAQ already" in response.content.decode()


def test_the_question_becomes_a_wording_of_an_entry_only_once_approved(
    client, editor, answered, personas
):
    line = {
        "key": "fee-payment",
        "language": "en",
        "category": "fees",
        "question": "Who pays the official fees?",
        "alternates": ["Do we pay the fees ourselves?"],
        "answer": "The firm pays them.",
    }
    import_faq([json.dumps(line)])
    client.force_login(editor)

    response = client.post(
        f"/chat/learning/{answered.pk}/", {"as": "alternate", "key": "fee-payment"}
    )

    entry = FaqEntry.objects.get(key="fee-payment")
    assert response.url == f"/cms/snippets/cms/faqentry/edit/{entry.pk}/"
    # Live as it was until a moderator approves; the review holds the new wording.
    assert entry.alternate_list == ["Do we pay the fees ourselves?"]
    assert entry.workflow_in_progress
    assert "Can the agency pay our fees for us?" in (
        entry.get_latest_revision_as_object().alternate_list
    )

    approved = _approve(entry, personas.officer)
    assert approved.alternate_list == [
        "Do we pay the fees ourselves?",
        "Can the agency pay our fees for us?",
    ]


def test_a_wording_needs_an_entry_and_is_not_added_twice(client, editor, answered):
    client.force_login(editor)

    missing = client.post(f"/chat/learning/{answered.pk}/", {"as": "alternate"}, follow=True)

    assert "Choose the FAQ entry." in missing.content.decode()
    assert not FaqEntry.objects.exists()


def test_only_cms_editors_and_officers_can_propose(client, personas, answered):
    for person in (personas.agency_consultant, personas.firm_member, personas.incubator_manager):
        client.force_login(person)
        assert client.post(f"/chat/learning/{answered.pk}/").status_code == 404
    client.logout()
    assert client.post(f"/chat/learning/{answered.pk}/").status_code == 302
    assert client.get(f"/chat/learning/{answered.pk}/").status_code == 405
    assert not FaqEntry.objects.exists()

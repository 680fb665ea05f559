"""cms.actions.faq: proposals go to moderation; only those with the FAQ permissions make them."""

import pytest

from cms import actions
from cms.access import sync_cms_groups
from cms.models import FaqEntry
from core.errors import ActionError, NotAllowed
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_people_without_the_faq_permission_propose_nothing(personas):
    with pytest.raises(NotAllowed):
        actions.faq_entry_propose(
            key="x", question="Q?", answer="A.", language="en", by=personas.firm_member
        )
    assert not FaqEntry.objects.exists()


def test_a_proposal_names_the_missing_field_and_the_unknown_language():
    editor = UserFactory(role="cms_editor")
    sync_cms_groups(editor)

    with pytest.raises(ActionError) as blank:
        actions.faq_entry_propose(key="x", question=" ", answer="A.", language="en", by=editor)
    with pytest.raises(ActionError) as language:
        actions.faq_entry_propose(key="x", question="Q?", answer="A.", language="fr", by=editor)

    assert (blank.value.field, language.value.field) == ("question", "language")
    assert not FaqEntry.objects.exists()

"""Chinese editors meet Chinese names in the Wagtail admin: each language's pages go
through a workflow named in that language, and the FAQ through the Chinese one."""

import pytest
from wagtail.models import Page, Workflow

from cms.models import ArticleIndexPage, FaqEntry

pytestmark = pytest.mark.django_db


def test_each_language_tree_has_a_workflow_named_in_its_language(tree):
    names = {
        index.locale.language_code: index.get_workflow().name
        for index in ArticleIndexPage.objects.select_related("locale")
    }

    assert names == {"zh-hans": "内容审核", "en": "Moderators approval"}


def test_both_workflows_ask_the_moderators(tree):
    for name, task in (("内容审核", "审核员审批"), ("Moderators approval", "Moderators approval")):
        workflow = Workflow.objects.get(name=name)
        tasks = [t.specific for t in workflow.tasks]
        assert [t.name for t in tasks] == [task]
        assert list(tasks[0].groups.values_list("name", flat=True)) == ["Moderators"]


def test_faq_entries_and_the_root_page_read_in_chinese(tree):
    assert FaqEntry.get_default_workflow().name == "内容审核"
    assert Page.objects.get(depth=1).title == "全部页面"

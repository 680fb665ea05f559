"""Chinese editors see Chinese names in the Wagtail admin.

Workflow and task names are data, not translatable strings, so each language gets its
own: the Chinese tree's news and policy pages, and the FAQ (edited first in Chinese),
go through "内容审核" with the task "审核员审批"; the English tree keeps Wagtail's
"Moderators approval". The root page, shown as "Exploring: Root", is named 全部页面.
Both workflows are the same single approval by the Moderators group.
"""

from django.db import migrations

ENGLISH = "Moderators approval"
WORKFLOW = "内容审核"
TASK = "审核员审批"


def chinese_workflow(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Group = apps.get_model("auth", "Group")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    WorkflowContentType = apps.get_model("wagtailcore", "WorkflowContentType")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    Page = apps.get_model("wagtailcore", "Page")
    ArticleIndexPage = apps.get_model("cms", "ArticleIndexPage")

    Page.objects.filter(depth=1).update(title="全部页面", draft_title="全部页面")
    moderators = Group.objects.filter(name="Moderators").first()
    if moderators is None or not Workflow.objects.filter(name=ENGLISH).exists():
        return
    task_type, _created = ContentType.objects.get_or_create(
        app_label="wagtailcore", model="groupapprovaltask"
    )
    task = GroupApprovalTask.objects.create(name=TASK, content_type=task_type, active=True)
    task.groups.set([moderators])
    workflow = Workflow.objects.create(name=WORKFLOW, active=True)
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    for page in ArticleIndexPage.objects.filter(locale__language_code="zh-hans"):
        WorkflowPage.objects.update_or_create(page_id=page.pk, defaults={"workflow": workflow})
    WorkflowContentType.objects.filter(
        content_type__app_label="cms", content_type__model="faqentry"
    ).update(workflow=workflow)


def english_only(apps, schema_editor):
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    WorkflowContentType = apps.get_model("wagtailcore", "WorkflowContentType")
    Task = apps.get_model("wagtailcore", "Task")
    english = Workflow.objects.filter(name=ENGLISH).first()
    chinese = Workflow.objects.filter(name=WORKFLOW).first()
    if english is None or chinese is None:
        return
    WorkflowPage.objects.filter(workflow=chinese).update(workflow=english)
    WorkflowContentType.objects.filter(workflow=chinese).update(workflow=english)
    chinese.workflow_tasks.all().delete()
    chinese.delete()
    Task.objects.filter(name=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0002_site_tree_groups_and_workflow"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(chinese_workflow, english_only)]

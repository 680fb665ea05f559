"""The two-language site tree, the CMS groups' permissions and the review workflow.

On a fresh database Wagtail leaves a placeholder welcome page; it is replaced by a
Chinese home page and its English translation, each with a training centre and a
policy-and-news index, so the public site works before any content is written.
An existing site (any other page at the top) is left as it is.
"""

import uuid

from django.db import migrations
from django.utils import timezone

SITE = {
    "zh-hans": {
        "home": ("南京市知识产权托管计划", "home"),
        "training": ("培训中心", "training"),
        "news": ("政策与资讯", "news"),
    },
    "en": {
        "home": ("Nanjing IP Custody Programme", "home-en"),
        "training": ("Training centre", "training"),
        "news": ("Policy and news", "news"),
    },
}
FAQ_PERMISSIONS = ["add", "change", "delete", "publish", "lock", "unlock"]
PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"]


def _create_permissions(apps):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        # create_permissions skips apps without a models module, as historical ones look.
        original = getattr(app_config, "models_module", None)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = original


def _page(apps, model_name, *, title, slug, path, depth, url_path, locale, key, numchild, now):
    ContentType = apps.get_model("contenttypes", "ContentType")
    model = apps.get_model("cms", model_name)
    content_type, _created = ContentType.objects.get_or_create(
        app_label="cms", model=model_name.lower()
    )
    return model.objects.create(
        title=title,
        draft_title=title,
        slug=slug,
        content_type=content_type,
        path=path,
        depth=depth,
        numchild=numchild,
        url_path=url_path,
        locale=locale,
        translation_key=key,
        live=True,
        first_published_at=now,
        last_published_at=now,
    )


def build_site(apps, schema_editor):
    Locale = apps.get_model("wagtailcore", "Locale")
    Page = apps.get_model("wagtailcore", "Page")
    Site = apps.get_model("wagtailcore", "Site")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")

    locales = {}
    for code in SITE:
        locales[code], _created = Locale.objects.get_or_create(language_code=code)

    top = Page.objects.filter(depth=2)
    placeholder = top.filter(content_type__app_label="wagtailcore", content_type__model="page")
    if top.exclude(pk__in=placeholder).exists() or placeholder.count() > 1:
        return
    if placeholder.filter(numchild__gt=0).exists():
        return
    Site.objects.filter(root_page__in=placeholder).delete()
    placeholder.delete()
    root = Page.objects.get(depth=1)

    now = timezone.now()
    keys = {name: uuid.uuid4() for name in ("home", "training", "news")}
    homes = {}
    for n, (code, pages) in enumerate(SITE.items(), start=1):
        home_path = f"{root.path}{n:04d}"
        title, slug = pages["home"]
        home = _page(
            apps, "HomePage", title=title, slug=slug, path=home_path, depth=2,
            url_path=f"/{slug}/", locale=locales[code], key=keys["home"], numchild=2, now=now,
        )
        homes[code] = home
        for m, (name, model_name) in enumerate(
            (("training", "TrainingIndexPage"), ("news", "ArticleIndexPage")), start=1
        ):
            title, child_slug = pages[name]
            _page(
                apps, model_name, title=title, slug=child_slug, path=f"{home_path}{m:04d}",
                depth=3, url_path=f"/{slug}/{child_slug}/", locale=locales[code],
                key=keys[name], numchild=0, now=now,
            )
    root.numchild = len(homes)
    root.save(update_fields=["numchild"])
    Site.objects.create(
        hostname="localhost", port=80, root_page_id=homes["zh-hans"].pk, is_default_site=True,
        site_name="南京市知识产权托管计划",
    )

    # Review before publishing applies to policy and news (and FAQ, below), not to training.
    workflow = Workflow.objects.filter(name="Moderators approval").first()
    if workflow is not None:
        WorkflowPage.objects.filter(page=root).delete()
        ArticleIndexPage = apps.get_model("cms", "ArticleIndexPage")
        for page in ArticleIndexPage.objects.all():
            WorkflowPage.objects.update_or_create(page_id=page.pk, defaults={"workflow": workflow})


def grant_permissions(apps, schema_editor):
    _create_permissions(apps)
    ContentType = apps.get_model("contenttypes", "ContentType")
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Page = apps.get_model("wagtailcore", "Page")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowContentType = apps.get_model("wagtailcore", "WorkflowContentType")

    faq_type, _created = ContentType.objects.get_or_create(app_label="cms", model="faqentry")
    # Wagtail adds these after migrating (post_migrate); made here so the groups can hold them.
    for action in ("publish", "lock", "unlock"):
        Permission.objects.get_or_create(
            content_type=faq_type,
            codename=f"{action}_faqentry",
            defaults={"name": f"Can {action} FAQ entry"},
        )
    faq_permissions = list(
        Permission.objects.filter(
            content_type=faq_type, codename__in=[f"{p}_faqentry" for p in FAQ_PERMISSIONS]
        )
    )
    access_admin = Permission.objects.filter(
        content_type__app_label="wagtailadmin", codename="access_admin"
    ).first()
    page_permissions = list(
        Permission.objects.filter(
            content_type__app_label="wagtailcore", codename__in=PAGE_PERMISSIONS
        )
    )
    # Editors write both languages: "Translate" copies a page or entry into the other one.
    translate = Permission.objects.filter(
        content_type__app_label="simple_translation", codename="submit_translation"
    ).first()
    root = Page.objects.filter(depth=1).first()
    for name in ("Editors", "Moderators"):
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(*faq_permissions)
        if translate is not None:
            group.permissions.add(translate)
        if access_admin is not None:
            group.permissions.add(access_admin)
        if root is not None:
            for permission in page_permissions:
                GroupPagePermission.objects.get_or_create(
                    group=group, page=root, permission=permission
                )

    workflow = Workflow.objects.filter(name="Moderators approval").first()
    if workflow is not None:
        WorkflowContentType.objects.update_or_create(
            content_type=faq_type, defaults={"workflow": workflow}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0001_pages_faq_and_training"),
        ("wagtailadmin", "0006_formstate"),
        ("wagtailcore", "0098_apitoken"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("simple_translation", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(build_site, migrations.RunPython.noop),
        migrations.RunPython(grant_permissions, migrations.RunPython.noop),
    ]

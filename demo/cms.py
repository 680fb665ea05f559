"""Demo content for the public site: courses, events, articles, the FAQ and an editor login.

`seed()` writes every page in Chinese and, except one course kept Chinese-only to
show the fallback, in English, publishing each through a revision as an editor
would. Events are dated relative to today so some are upcoming and some past.
The FAQ is the product's own (demo/fixtures), loaded through the import code.
"""

import datetime
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from wagtail.models import Locale

from cms import access
from cms.faq_io import import_faq
from cms.models import (
    ArticleIndexPage,
    ArticlePage,
    CoursePage,
    HomePage,
    TrainingEventPage,
    TrainingIndexPage,
)
from demo.courses import add_pair, p, publish
from demo.courses import courses as seed_courses
from demo.programme import DEMO_PASSWORD
from marketplace.models import User

FIXTURES = Path(__file__).resolve().parent / "fixtures"
FAQ_FILES = ("faq_zh-hans.jsonl", "faq_en.jsonl")
EDITOR_USERNAME = "demo-editor"
# The same published demo password as every other demo login.
EDITOR_PASSWORD = DEMO_PASSWORD
LANGUAGES = ("zh-hans", "en")


class SiteTreeMissing(Exception):
    """The home pages made by migration cms 0002 are not there (another site exists)."""


@dataclass
class SeedReport:
    counts: dict = field(default_factory=dict)


def content_exists():
    return CoursePage.objects.exists() or ArticlePage.objects.exists()


def _editor():
    editor, created = User.objects.get_or_create(
        username=EDITOR_USERNAME,
        defaults={
            "role": User.Role.CMS_EDITOR,
            "display_name": "陈编辑",
            "email": f"{EDITOR_USERNAME}@demo.ipcustody.local",
            "password": make_password(EDITOR_PASSWORD),
        },
    )
    access.sync_cms_groups(editor)
    return editor


def _sections():
    homes = {}
    for code in LANGUAGES:
        home = HomePage.objects.filter(locale__language_code=code).order_by("path").first()
        if home is None:
            raise SiteTreeMissing(code)
        homes[code] = home
    training = {
        code: TrainingIndexPage.objects.child_of(home).first() for code, home in homes.items()
    }
    news = {code: ArticleIndexPage.objects.child_of(home).first() for code, home in homes.items()}
    if None in training.values() or None in news.values():
        raise SiteTreeMissing("sections")
    return training, news


@transaction.atomic
def seed(*, now=None):
    """Create the demo content in a database whose site tree is still empty of content."""
    now = now or timezone.now()
    editor = _editor()
    training, news = _sections()
    Locale.objects.get_or_create(language_code="en")
    courses = seed_courses(training, editor)
    events = _events(training, editor, now)
    articles = _articles(news, editor, now)
    faq = import_faq(
        line for name in FAQ_FILES for line in (FIXTURES / name).read_text("utf-8").splitlines()
    )
    return SeedReport(
        counts={
            "courses": courses,
            "events": events,
            "articles": articles,
            "FAQ entries": faq.total,
        }
    )


def _events(training, editor, now):
    today = timezone.localtime(now).replace(hour=14, minute=0, second=0, microsecond=0)

    def at(days, hours=0):
        return today + datetime.timedelta(days=days, hours=hours)

    plans = [
        (
            {
                "title": "专利挖掘工作坊",
                "slug": "patent-mining-workshop",
                "summary": "带上您的研发项目，现场梳理可申请专利的创新点。",
                "venue": "南京市知识产权局培训室（鼓楼区汉中路）",
            },
            {
                "title": "Patent mining workshop",
                "slug": "patent-mining-workshop",
                "summary": "Bring a research project and find out which of its ideas can be patented.",
                "venue": "Training room, Nanjing IP Office (Hanzhong Road, Gulou)",
            },
            {
                "starts_at": at(10),
                "ends_at": at(10, 3),
                "capacity": 30,
                "registration_deadline": at(8),
                "online_url": "",
            },
        ),
        (
            {
                "title": "商标布局线上讲座",
                "slug": "trademark-webinar",
                "summary": "线上讲解商标类别选择、续展和维权。",
                "venue": "",
            },
            {
                "title": "Trademark strategy webinar",
                "slug": "trademark-webinar",
                "summary": "An online talk on choosing classes, renewals and enforcement.",
                "venue": "",
            },
            {
                "starts_at": at(20),
                "ends_at": at(20, 2),
                "capacity": 200,
                "registration_deadline": at(19),
                "online_url": "https://meeting.example.cn/ipc-trademarks",
            },
        ),
        (
            {
                "title": "托管机构对接会",
                "slug": "agency-meetup",
                "summary": "与托管机构顾问面对面交流，名额有限。",
                "venue": "江宁软件园孵化器报告厅",
            },
            {
                "title": "Meet the custody agencies",
                "slug": "agency-meetup",
                "summary": "Meet agency advisers face to face; places are limited.",
                "venue": "Lecture hall, Jiangning Software Park incubator",
            },
            {
                "starts_at": at(5),
                "ends_at": at(5, 2),
                "capacity": 3,
                "registration_deadline": at(4),
                "online_url": "",
            },
        ),
        (
            {
                "title": "知识产权托管启动会",
                "slug": "custody-launch",
                "summary": "本年度托管计划的启动与政策解读。",
                "venue": "南京国际博览中心",
            },
            {
                "title": "Custody programme launch",
                "slug": "custody-launch",
                "summary": "Launch of this year's programme and a walk through the policy.",
                "venue": "Nanjing International Expo Centre",
            },
            {
                "starts_at": at(-30),
                "ends_at": at(-30, 3),
                "capacity": 300,
                "registration_deadline": at(-32),
                "online_url": "",
            },
        ),
        (
            {
                "title": "企业专利年费管理培训",
                "slug": "annual-fee-training",
                "summary": "年费、滞纳期与期限提醒的实操培训。",
                "venue": "",
            },
            {
                "title": "Managing patent annual fees",
                "slug": "annual-fee-training",
                "summary": "Hands-on training on annual fees, grace periods and reminders.",
                "venue": "",
            },
            {
                "starts_at": at(-60),
                "ends_at": at(-60, 2),
                "capacity": 100,
                "registration_deadline": at(-61),
                "online_url": "https://meeting.example.cn/ipc-fees",
            },
        ),
    ]
    for zh, en, shared in plans:
        body_zh = [
            ("heading", "安排"),
            ("paragraph", p("主讲人介绍与案例分享，随后答疑交流。", "活动免费，请提前报名。")),
        ]
        body_en = [
            ("heading", "Programme"),
            (
                "paragraph",
                p(
                    "A talk with cases, then questions and answers.",
                    "Free of charge; please register in advance.",
                ),
            ),
        ]
        add_pair(
            training,
            TrainingEventPage,
            editor,
            {"zh-hans": {**zh, "body": body_zh}, "en": {**en, "body": body_en}},
            organiser=editor,
            **shared,
        )
    return len(plans)


def _articles(news, editor, now):
    today = timezone.localdate(now)
    plans = [
        (
            ArticlePage.Kind.POLICY,
            60,
            "市知识产权局",
            ["托管", "政策"],
            ["custody", "policy"],
            (
                "南京市知识产权托管计划实施要点",
                "custody-plan",
                "为孵化器内小微企业购买知识产权托管服务的范围、分担比例和工作流程。",
            ),
            (
                "Key points of the Nanjing IP custody plan",
                "custody-plan",
                "Scope, cost sharing and workflow of the custody services the city buys for incubated small firms.",
            ),
        ),
        (
            ArticlePage.Kind.NEWS,
            20,
            "",
            ["机构"],
            ["agencies"],
            (
                "首批托管服务机构通过审核",
                "first-agencies-approved",
                "首批专利代理机构、商标代理机构和律师事务所通过审核，开始接受托管邀约。",
            ),
            (
                "First custody agencies approved",
                "first-agencies-approved",
                "The first patent agencies, trademark agencies and law firms have been approved and can now receive offers.",
            ),
        ),
        (
            ArticlePage.Kind.NEWS,
            7,
            "",
            ["培训"],
            ["training"],
            (
                "培训中心上线：课程与活动一站报名",
                "training-centre-opens",
                "企业可以在线学习托管与知识产权课程，并报名参加线下和线上培训活动。",
            ),
            (
                "Training centre opens: courses and events in one place",
                "training-centre-opens",
                "Firms can now follow courses on custody and IP online and register for training events.",
            ),
        ),
        (
            ArticlePage.Kind.POLICY,
            3,
            "市知识产权局",
            ["缴费", "政策"],
            ["payments", "policy"],
            (
                "企业自付部分缴费说明",
                "co-payment-notice",
                "服务机构接受托管后，企业在规定期限内通过银行转账支付自付部分（附言填写付款页上的付款参考号；本站开通在线支付后也可在线支付），款项到账后托管开始；政府承担部分在结算批准后支付给机构。",
            ),
            (
                "Notice on the firm's co-payment",
                "co-payment-notice",
                "Once an agency accepts, the firm pays its co-payment by bank transfer within the set time, quoting the reference on its payments page (or online where this site offers it); custody starts when the money arrives, and the government's share is paid to the agency when the settlement is approved.",
            ),
        ),
    ]
    for kind, days_ago, source, tags_zh, tags_en, zh, en in plans:
        shared = {"kind": kind, "date": today - datetime.timedelta(days=days_ago)}
        zh_page, en_page = add_pair(
            news,
            ArticlePage,
            editor,
            {
                "zh-hans": {
                    "title": zh[0],
                    "slug": zh[1],
                    "summary": zh[2],
                    "source": source,
                    "body": [("paragraph", p(zh[2]))],
                },
                "en": {
                    "title": en[0],
                    "slug": en[1],
                    "summary": en[2],
                    "source": "Municipal IP office" if source else "",
                    "body": [("paragraph", p(en[2]))],
                },
            },
            **shared,
        )
        zh_page.tags.add(*tags_zh)
        publish(zh_page, editor)
        en_page.tags.add(*tags_en)
        publish(en_page, editor)
    return len(plans)

"""Demo content for the public site: courses, events, articles, the FAQ and an editor login.

`seed()` writes every page in Chinese and, except one course kept Chinese-only to
show the fallback, in English, publishing each through a revision as an editor
would. Events are dated relative to today so some are upcoming and some past.
The FAQ is the product's own (demo/fixtures), loaded through the import code.
"""

import datetime
import io
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.db import transaction
from django.utils import timezone
from PIL import Image as PillowImage
from PIL import ImageDraw
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.models import Locale
from wagtail.rich_text import RichText

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


def _p(*paragraphs):
    return RichText("".join(f"<p>{text}</p>" for text in paragraphs))


def _cover(title, colour):
    """A plain generated cover picture, so the demo needs no files of its own."""
    picture = PillowImage.new("RGB", (1200, 630), colour)
    draw = ImageDraw.Draw(picture)
    for n in range(0, 1200, 60):
        draw.line([(n, 630), (n + 300, 0)], fill=tuple(min(255, c + 18) for c in colour), width=14)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    image = Image(title=title)
    image.file = ImageFile(io.BytesIO(buffer.getvalue()), name=f"{title}.png")
    image.save()
    return image


def _document(title, filename, text):
    document = Document(title=title)
    document.file = ContentFile(text.encode("utf-8"), name=filename)
    document.save()
    return document


def _lesson(title, minutes, *content):
    return ("lesson", {"title": title, "minutes": minutes, "content": list(content)})


def _publish(page, user):
    page.save_revision(user=user, log_action=True).publish(user=user)
    return page


def _add_pair(parents, model, user, texts, **shared):
    """Add the Chinese page, then its English translation with the same translation key."""
    zh = parents["zh-hans"].add_child(instance=model(**texts["zh-hans"], **shared, live=False))
    _publish(zh, user)
    if "en" not in texts:
        return zh, None
    en = model(
        **texts["en"],
        **shared,
        live=False,
        locale=parents["en"].locale,
        translation_key=zh.translation_key,
    )
    parents["en"].add_child(instance=en)
    _publish(en, user)
    return zh, en


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
    courses = _courses(training, editor)
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


def _courses(training, editor):
    checklist = _document(
        "托管启动清单 / Custody kick-off checklist",
        "custody-checklist.txt",
        "1. 营业执照与统一社会信用代码 / Business licence and credit code\n"
        "2. 已有专利、商标、软件著作权清单 / List of patents, trademarks, software copyrights\n"
        "3. 近期研发与产品计划 / Research and product plans for the year\n"
        "4. 知识产权负责人联系方式 / Contact of the person in charge of IP\n",
    )
    fee_table = _document(
        "专利期限速查表 / Patent deadline cheat sheet",
        "patent-deadlines.csv",
        "type,term_years,counted_from\ninvention,20,filing date\nutility model,10,filing date\n"
        "design (filed from 2021-06-01),15,filing date\ndesign (filed before),10,filing date\n",
    )
    made = 0
    _add_pair(
        training,
        CoursePage,
        editor,
        {
            "zh-hans": {
                "title": "知识产权托管入门",
                "slug": "custody-basics",
                "summary": "用三节课了解托管是什么、怎么申请，以及如何与托管机构一起工作。",
                "lessons": [
                    _lesson(
                        "托管是什么",
                        10,
                        (
                            "paragraph",
                            _p(
                                "知识产权托管由政府购买服务，委托经审核的知识产权服务机构，为孵化器中的小微企业提供一年的持续服务。",
                                "服务覆盖咨询、培训、信息、申请、费用与期限管理、运用转化和保护维权七类。",
                            ),
                        ),
                        (
                            "callout",
                            {
                                "title": "费用",
                                "text": _p("政府承担服务包的大部分费用，企业只需支付自付部分。"),
                            },
                        ),
                    ),
                    _lesson(
                        "如何申请",
                        12,
                        (
                            "paragraph",
                            _p(
                                "先在平台注册企业并等待孵化器确认，然后在企业首页提交托管申请，说明你的重点需求。",
                                "平台会推荐符合条件的机构并说明推荐理由，你选定后机构需在规定工作日内答复。",
                            ),
                        ),
                        ("document", {"document": checklist, "description": "申请前准备的材料"}),
                    ),
                    _lesson(
                        "与托管机构合作",
                        8,
                        (
                            "paragraph",
                            _p(
                                "机构每完成一项服务都会登记服务记录，请及时确认或提出异议。",
                                "服务期结束时为机构打分，你的评价会影响它今后的推荐排名。",
                            ),
                        ),
                    ),
                ],
            },
            "en": {
                "title": "Getting started with IP custody",
                "slug": "custody-basics",
                "summary": "Three short lessons on what custody is, how to apply and how to work with your agency.",
                "lessons": [
                    _lesson(
                        "What custody is",
                        10,
                        (
                            "paragraph",
                            _p(
                                "IP custody is a service the city buys from approved IP agencies for small firms in incubators: a year of continuous care for the firm's IP.",
                                "It covers seven areas: consulting, training, information, filing, fees and deadlines, commercialisation and protection.",
                            ),
                        ),
                        (
                            "callout",
                            {
                                "title": "Cost",
                                "text": _p(
                                    "The government pays most of the package; your firm pays only its co-payment."
                                ),
                            },
                        ),
                    ),
                    _lesson(
                        "How to apply",
                        12,
                        (
                            "paragraph",
                            _p(
                                "Sign your firm up and wait for your incubator to confirm it, then submit a custody request from your firm's home page and say what you need most.",
                                "The platform suggests eligible agencies with the reasons; once you choose, the agency answers within a set number of working days.",
                            ),
                        ),
                        (
                            "document",
                            {
                                "document": checklist,
                                "description": "What to prepare before applying",
                            },
                        ),
                    ),
                    _lesson(
                        "Working with your agency",
                        8,
                        (
                            "paragraph",
                            _p(
                                "Your agency records each service it delivers; confirm or dispute each record promptly.",
                                "At the end you rate the agency, and your rating counts in its future ranking.",
                            ),
                        ),
                    ),
                ],
            },
        },
        level=CoursePage.Level.BEGINNER,
        cover=_cover("custody-basics", (31, 78, 121)),
    )
    made += 1
    _add_pair(
        training,
        CoursePage,
        editor,
        {
            "zh-hans": {
                "title": "专利年费与期限管理",
                "slug": "patent-deadlines",
                "summary": "年费什么时候交、滞纳期怎么算、专利何时到期，以及节假日如何顺延。",
                "lessons": [
                    _lesson(
                        "年费与滞纳期",
                        15,
                        (
                            "paragraph",
                            _p(
                                "年费按申请日的周年日缴纳，错过后有六个月滞纳期，逾期越久滞纳金越高。",
                                "滞纳期结束仍未缴费，专利权终止。",
                            ),
                        ),
                    ),
                    _lesson(
                        "保护期限",
                        10,
                        (
                            "paragraph",
                            _p(
                                "发明二十年、实用新型十年；外观设计2021年6月1日起申请的为十五年，此前为十年。",
                            ),
                        ),
                        ("document", {"document": fee_table, "description": "期限速查表"}),
                    ),
                    _lesson(
                        "节假日顺延",
                        5,
                        (
                            "paragraph",
                            _p(
                                "期限最后一天遇法定节假日或休息日，顺延至节后第一个工作日；调休上班日算工作日。",
                            ),
                        ),
                    ),
                ],
            },
            "en": {
                "title": "Patent fees and deadlines",
                "slug": "patent-deadlines",
                "summary": "When annual fees are due, how the grace period works, when patents expire and how holidays move deadlines.",
                "lessons": [
                    _lesson(
                        "Annual fees and the grace period",
                        15,
                        (
                            "paragraph",
                            _p(
                                "Annual fees fall due on the anniversary of the filing date; after that there is a six-month grace period with a surcharge that grows each month.",
                                "If the fee is still unpaid when the grace period ends, the patent lapses.",
                            ),
                        ),
                    ),
                    _lesson(
                        "How long patents last",
                        10,
                        (
                            "paragraph",
                            _p(
                                "Inventions 20 years, utility models 10; designs filed from 1 June 2021 last 15 years, earlier ones 10.",
                            ),
                        ),
                        (
                            "document",
                            {"document": fee_table, "description": "Deadline cheat sheet"},
                        ),
                    ),
                    _lesson(
                        "Holidays",
                        5,
                        (
                            "paragraph",
                            _p(
                                "A deadline whose last day is a public holiday or rest day moves to the next working day; official make-up working days count as working days.",
                            ),
                        ),
                    ),
                ],
            },
        },
        level=CoursePage.Level.INTERMEDIATE,
        cover=_cover("patent-deadlines", (20, 110, 90)),
    )
    made += 1
    _add_pair(
        training,
        CoursePage,
        editor,
        {
            "zh-hans": {
                "title": "商标注册与续展",
                "slug": "trademarks",
                "summary": "如何选择尼斯分类、何时续展，以及发现仿冒时该怎么做。",
                "lessons": [
                    _lesson(
                        "选择类别",
                        10,
                        (
                            "paragraph",
                            _p(
                                "商标按尼斯分类的四十五个类别注册，第1至34类为商品，第35至45类为服务。",
                            ),
                        ),
                    ),
                    _lesson(
                        "续展与宽展",
                        8,
                        (
                            "paragraph",
                            _p(
                                "注册商标有效期十年，到期前十二个月内可续展，到期后另有六个月宽展期。",
                            ),
                        ),
                    ),
                ],
            },
            "en": {
                "title": "Registering and renewing trademarks",
                "slug": "trademarks",
                "summary": "Choosing Nice classes, renewing in time, and what to do about copies.",
                "lessons": [
                    _lesson(
                        "Choosing classes",
                        10,
                        (
                            "paragraph",
                            _p(
                                "Trademarks are registered in the 45 Nice classes: 1 to 34 for goods, 35 to 45 for services.",
                            ),
                        ),
                    ),
                    _lesson(
                        "Renewal and grace",
                        8,
                        (
                            "paragraph",
                            _p(
                                "A registration lasts ten years; renew in the twelve months before expiry, or in the six-month grace period after it.",
                            ),
                        ),
                    ),
                ],
            },
        },
        level=CoursePage.Level.BEGINNER,
        cover=_cover("trademarks", (140, 70, 30)),
    )
    made += 1
    # Kept in Chinese only: English readers see it listed and served in the original.
    _add_pair(
        training,
        CoursePage,
        editor,
        {
            "zh-hans": {
                "title": "高价值专利培育实务",
                "slug": "high-value-patents",
                "summary": "从研发立项开始布局专利，提升专利质量与转化价值。",
                "lessons": [
                    _lesson(
                        "专利挖掘",
                        20,
                        (
                            "paragraph",
                            _p(
                                "在研发立项和技术评审时同步梳理可保护的创新点，形成技术交底书。",
                            ),
                        ),
                    ),
                    _lesson(
                        "专利布局",
                        20,
                        (
                            "paragraph",
                            _p(
                                "围绕核心产品构建基础专利与外围专利组合，兼顾国内外市场。",
                            ),
                        ),
                    ),
                ],
            },
        },
        level=CoursePage.Level.ADVANCED,
        cover=_cover("high-value-patents", (90, 40, 120)),
    )
    return made + 1


def _events(training, editor, now):
    today = timezone.localtime(now).replace(hour=14, minute=0, second=0, microsecond=0)

    def at(days, hours=0):
        return today + datetime.timedelta(days=days, hours=hours)

    plans = [
        (
            {
                "title": "专利挖掘工作坊",
                "slug": "patent-mining-workshop",
                "summary": "带上你的研发项目，现场梳理可申请专利的创新点。",
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
            ("paragraph", _p("主讲人介绍与案例分享，随后答疑交流。", "活动免费，请提前报名。")),
        ]
        body_en = [
            ("heading", "Programme"),
            (
                "paragraph",
                _p(
                    "A talk with cases, then questions and answers.",
                    "Free of charge; please register in advance.",
                ),
            ),
        ]
        _add_pair(
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
                "托管签订后企业在线支付自付部分，政府承担部分在结算批准后支付给机构。",
            ),
            (
                "Notice on the firm's co-payment",
                "co-payment-notice",
                "Firms pay their co-payment online once custody is agreed; the government's share is paid to the agency when the settlement is approved.",
            ),
        ),
    ]
    for kind, days_ago, source, tags_zh, tags_en, zh, en in plans:
        shared = {"kind": kind, "date": today - datetime.timedelta(days=days_ago)}
        zh_page, en_page = _add_pair(
            news,
            ArticlePage,
            editor,
            {
                "zh-hans": {
                    "title": zh[0],
                    "slug": zh[1],
                    "summary": zh[2],
                    "source": source,
                    "body": [("paragraph", _p(zh[2]))],
                },
                "en": {
                    "title": en[0],
                    "slug": en[1],
                    "summary": en[2],
                    "source": "Municipal IP office" if source else "",
                    "body": [("paragraph", _p(en[2]))],
                },
            },
            **shared,
        )
        zh_page.tags.add(*tags_zh)
        _publish(zh_page, editor)
        en_page.tags.add(*tags_en)
        _publish(en_page, editor)
    return len(plans)

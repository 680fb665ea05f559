"""The demo site's training courses, and the page helpers every demo section uses: rich
text, generated cover pictures, documents, lessons, and a Chinese page published with
its English translation."""

import io

from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from PIL import Image as PillowImage
from PIL import ImageDraw
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.rich_text import RichText

from cms.models import CoursePage


def p(*paragraphs):
    return RichText("".join(f"<p>{text}</p>" for text in paragraphs))


def cover(title, colour):
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


def document(title, filename, text):
    document = Document(title=title)
    document.file = ContentFile(text.encode("utf-8"), name=filename)
    document.save()
    return document


def lesson(title, minutes, *content):
    return ("lesson", {"title": title, "minutes": minutes, "content": list(content)})


def publish(page, user):
    page.save_revision(user=user, log_action=True).publish(user=user)
    return page


def add_pair(parents, model, user, texts, **shared):
    """Add the Chinese page, then its English translation with the same translation key."""
    zh = parents["zh-hans"].add_child(instance=model(**texts["zh-hans"], **shared, live=False))
    publish(zh, user)
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
    publish(en, user)
    return zh, en


def courses(training, editor):
    checklist = document(
        "托管启动清单 / Custody kick-off checklist",
        "custody-checklist.txt",
        "1. 营业执照与统一社会信用代码 / Business licence and credit code\n"
        "2. 已有专利、商标、软件著作权清单 / List of patents, trademarks, software copyrights\n"
        "3. 近期研发与产品计划 / Research and product plans for the year\n"
        "4. 知识产权负责人联系方式 / Contact of the person in charge of IP\n",
    )
    fee_table = document(
        "专利期限速查表 / Patent deadline cheat sheet",
        "patent-deadlines.csv",
        "type,term_years,counted_from\ninvention,20,filing date\nutility model,10,filing date\n"
        "design (filed from 2021-06-01),15,filing date\ndesign (filed before),10,filing date\n",
    )
    made = 0
    add_pair(
        training,
        CoursePage,
        editor,
        {
            "zh-hans": {
                "title": "知识产权托管入门",
                "slug": "custody-basics",
                "summary": "用三节课了解托管是什么、怎么申请，以及如何与托管机构一起工作。",
                "lessons": [
                    lesson(
                        "托管是什么",
                        10,
                        (
                            "paragraph",
                            p(
                                "知识产权托管由政府购买服务，委托经审核的知识产权服务机构，为孵化器中的小微企业提供一年的持续服务。",
                                "服务覆盖咨询、培训、信息、申请、费用与期限管理、运用转化和保护维权七类。",
                            ),
                        ),
                        (
                            "callout",
                            {
                                "title": "费用",
                                "text": p("政府承担服务包的大部分费用，企业只需支付自付部分。"),
                            },
                        ),
                    ),
                    lesson(
                        "如何申请",
                        12,
                        (
                            "paragraph",
                            p(
                                "先在平台注册企业并等待孵化器确认，然后在企业首页提交托管申请，说明您的重点需求。",
                                "平台会推荐符合条件的机构并说明推荐理由，您选定后机构需在规定工作日内答复。",
                            ),
                        ),
                        ("document", {"document": checklist, "description": "申请前准备的材料"}),
                    ),
                    lesson(
                        "与托管机构合作",
                        8,
                        (
                            "paragraph",
                            p(
                                "机构每完成一项服务都会登记服务记录，请及时确认或提出异议。",
                                "服务期结束时为机构打分，您的评价会影响它今后的推荐排名。",
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
                    lesson(
                        "What custody is",
                        10,
                        (
                            "paragraph",
                            p(
                                "IP custody is a service the city buys from approved IP agencies for small firms in incubators: a year of continuous care for the firm's IP.",
                                "It covers seven areas: consulting, training, information, filing, fees and deadlines, commercialisation and protection.",
                            ),
                        ),
                        (
                            "callout",
                            {
                                "title": "Cost",
                                "text": p(
                                    "The government pays most of the package; your firm pays only its co-payment."
                                ),
                            },
                        ),
                    ),
                    lesson(
                        "How to apply",
                        12,
                        (
                            "paragraph",
                            p(
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
                    lesson(
                        "Working with your agency",
                        8,
                        (
                            "paragraph",
                            p(
                                "Your agency records each service it delivers; confirm or dispute each record promptly.",
                                "At the end you rate the agency, and your rating counts in its future ranking.",
                            ),
                        ),
                    ),
                ],
            },
        },
        level=CoursePage.Level.BEGINNER,
        cover=cover("custody-basics", (31, 78, 121)),
    )
    made += 1
    add_pair(
        training,
        CoursePage,
        editor,
        {
            "zh-hans": {
                "title": "专利年费与期限管理",
                "slug": "patent-deadlines",
                "summary": "年费什么时候交、滞纳期怎么算、专利何时到期，以及节假日如何顺延。",
                "lessons": [
                    lesson(
                        "年费与滞纳期",
                        15,
                        (
                            "paragraph",
                            p(
                                "年费按申请日的周年日缴纳，错过后有六个月滞纳期，逾期越久滞纳金越高。",
                                "滞纳期结束仍未缴费，专利权终止。",
                            ),
                        ),
                    ),
                    lesson(
                        "保护期限",
                        10,
                        (
                            "paragraph",
                            p(
                                "发明二十年、实用新型十年；外观设计2021年6月1日起申请的为十五年，此前为十年。",
                            ),
                        ),
                        ("document", {"document": fee_table, "description": "期限速查表"}),
                    ),
                    lesson(
                        "节假日顺延",
                        5,
                        (
                            "paragraph",
                            p(
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
                    lesson(
                        "Annual fees and the grace period",
                        15,
                        (
                            "paragraph",
                            p(
                                "Annual fees fall due on the anniversary of the filing date; after that there is a six-month grace period with a surcharge that grows each month.",
                                "If the fee is still unpaid when the grace period ends, the patent lapses.",
                            ),
                        ),
                    ),
                    lesson(
                        "How long patents last",
                        10,
                        (
                            "paragraph",
                            p(
                                "Inventions 20 years, utility models 10; designs filed from 1 June 2021 last 15 years, earlier ones 10.",
                            ),
                        ),
                        (
                            "document",
                            {"document": fee_table, "description": "Deadline cheat sheet"},
                        ),
                    ),
                    lesson(
                        "Holidays",
                        5,
                        (
                            "paragraph",
                            p(
                                "A deadline whose last day is a public holiday or rest day moves to the next working day; official make-up working days count as working days.",
                            ),
                        ),
                    ),
                ],
            },
        },
        level=CoursePage.Level.INTERMEDIATE,
        cover=cover("patent-deadlines", (20, 110, 90)),
    )
    made += 1
    add_pair(
        training,
        CoursePage,
        editor,
        {
            "zh-hans": {
                "title": "商标注册与续展",
                "slug": "trademarks",
                "summary": "如何选择尼斯分类、何时续展，以及发现仿冒时该怎么做。",
                "lessons": [
                    lesson(
                        "选择类别",
                        10,
                        (
                            "paragraph",
                            p(
                                "商标按尼斯分类的四十五个类别注册，第1至34类为商品，第35至45类为服务。",
                            ),
                        ),
                    ),
                    lesson(
                        "续展与宽展",
                        8,
                        (
                            "paragraph",
                            p(
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
                    lesson(
                        "Choosing classes",
                        10,
                        (
                            "paragraph",
                            p(
                                "Trademarks are registered in the 45 Nice classes: 1 to 34 for goods, 35 to 45 for services.",
                            ),
                        ),
                    ),
                    lesson(
                        "Renewal and grace",
                        8,
                        (
                            "paragraph",
                            p(
                                "A registration lasts ten years; renew in the twelve months before expiry, or in the six-month grace period after it.",
                            ),
                        ),
                    ),
                ],
            },
        },
        level=CoursePage.Level.BEGINNER,
        cover=cover("trademarks", (140, 70, 30)),
    )
    made += 1
    # Kept in Chinese only: English readers see it listed and served in the original.
    add_pair(
        training,
        CoursePage,
        editor,
        {
            "zh-hans": {
                "title": "高价值专利培育实务",
                "slug": "high-value-patents",
                "summary": "从研发立项开始布局专利，提升专利质量与转化价值。",
                "lessons": [
                    lesson(
                        "专利挖掘",
                        20,
                        (
                            "paragraph",
                            p(
                                "在研发立项和技术评审时同步梳理可保护的创新点，形成技术交底书。",
                            ),
                        ),
                    ),
                    lesson(
                        "专利布局",
                        20,
                        (
                            "paragraph",
                            p(
                                "围绕核心产品构建基础专利与外围专利组合，兼顾国内外市场。",
                            ),
                        ),
                    ),
                ],
            },
        },
        level=CoursePage.Level.ADVANCED,
        cover=cover("high-value-patents", (90, 40, 120)),
    )
    return made + 1

"""What the role journeys (test_journeys_*.py) share: a signed-in browser in one language at
one width (a 1280 px desktop, or a 390 px touch phone), the review every visited page gets at
1280 px and at 390 px, and the record of the pages walked (var/journeys/).

The review (issue #18, "Tests"): no raw event code or constraint name in the page; on an
English page no Han text outside the data people typed in; on a Chinese page no English
words in the product's own chrome; nothing wider than a 390 px phone; no serious or critical
axe-core violation (axe-core from npm, injected by the test).
"""

import datetime
import functools
import importlib
import logging
import os
import re
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote_plus

import pytest
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from playwright.sync_api import expect

from custody.models import IPAsset
from custody.payments.models import PayeeAccount
from marketplace.models import Agency, Firm, Incubator, ProgrammeYear, User

AXE = Path(__file__).resolve().parents[2] / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
AXE_RUN = """async () => {
  // Only violations are read: axe then skips building selectors for every passing node,
  // most of its time on a long page (issue #15).
  const result = await window.__reviewAxe.run(document, {
    runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'],
    resultTypes: ['violations'],
  });
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}"""

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
VIEWPORTS = {1280: DESKTOP, 390: PHONE}
LANGUAGES = ["zh-hans", "en"]

log = logging.getLogger(__name__)


class Walk(NamedTuple):
    """The language and the width (1280 or 390) a journey clicks through at."""

    language: str
    width: int

    def __str__(self):
        return f"{self.language}-{self.width}"


# Each language walked at one width and each width by one language: walking all four doubled
# the journeys' time (issue #15) for pages the review already looks at in both widths.
WALKS = [Walk("zh-hans", 390), Walk("en", 1280)]
walks = pytest.mark.parametrize("walk", WALKS, ids=str)

# Every visible text node of the page, with what marks it: text inside code/kbd/pre is meant
# literally (file column names), text under an element marked with another language (the
# language switch names the other language in that language) is that language's.
TEXT_NODES = """() => {
  const page = document.documentElement.lang;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const out = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.nodeValue.trim();
    const parent = node.parentElement;
    if (!text || !parent || parent.closest('script, style, noscript, template')) continue;
    if (!parent.getClientRects().length) continue;
    const style = getComputedStyle(parent);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    out.push({
      text,
      literal: Boolean(parent.closest('code, kbd, pre')),
      foreign: (parent.closest('[lang]') || document.documentElement).lang !== page,
    });
  }
  return out;
}"""
# The product's own words on a Chinese page: navigation, headings, labels, table headers,
# buttons, badges, card headers, alerts and the action centre's sentences.
CHROME = (
    "nav a, nav button, h1, h2, h3, h4, label, legend, th, dt, button, .btn, .badge, "
    ".card-header, .alert, .form-text, .portal-action-text, .breadcrumb-item"
)
CHROME_TEXTS = """(selector) => {
  const page = document.documentElement.lang;
  return [...document.querySelectorAll(selector)]
    .filter((node) => node.getClientRects().length)
    .filter((node) => (node.closest('[lang]') || document.documentElement).lang === page)
    .filter((node) => !node.closest('code, kbd, pre'))
    .map((node) => node.innerText.trim())
    .filter(Boolean);
}"""
WIDTH = "document.documentElement.scrollWidth"
# What the floating chat button covers with the page scrolled to its end, where nothing can be
# scrolled out from under it: text and controls outside the chat widget.
UNDER_CHAT_BUTTON = """() => {
  const button = document.querySelector('.chat-launcher');
  if (!button || !button.getClientRects().length) return [];
  const scrolled = window.scrollY;
  // 'instant': Bootstrap makes scrolling smooth, which would measure the page mid-way.
  window.scrollTo({top: document.documentElement.scrollHeight, behavior: 'instant'});
  const box = button.getBoundingClientRect();
  const covers = (r) => r.width && r.height && r.left < box.right && r.right > box.left
    && r.top < box.bottom && r.bottom > box.top;
  const outside = (node) => !node.closest('.chat-widget, script, style, noscript, template');
  const covered = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!node.nodeValue.trim() || !parent || !outside(parent)) continue;
    if (getComputedStyle(parent).visibility === 'hidden') continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    if ([...range.getClientRects()].some(covers)) covered.push(node.nodeValue.trim());
  }
  for (const control of document.querySelectorAll('a, button, input, select, textarea')) {
    if (outside(control) && covers(control.getBoundingClientRect())) {
      covered.push(control.outerHTML.slice(0, 80));
    }
  }
  window.scrollTo({top: scrolled, behavior: 'instant'});
  return covered.slice(0, 3);
}"""
# Links, buttons and fields of the page's content that lie beyond the sides of the screen: in a
# table's scrolled-off columns, say, where a person on a phone does not know to look for them.
# (Not in the Wagtail admin, whose layout is Wagtail's: its comment buttons wait off the side.)
OFF_SCREEN_CONTROLS = """() => !document.querySelector('.portal-navbar') ? [] : [...document.querySelectorAll(
    'main a[href], main button, main input:not([type=hidden]), main select, main textarea')]
  .filter((control) => control.getClientRects().length)
  .filter((control) => getComputedStyle(control).visibility !== 'hidden')
  .filter((control) => {
    const box = control.getBoundingClientRect();
    return box.width > 1 && (box.right > window.innerWidth + 1 || box.left < -1);
  })
  .map((control) => (control.innerText || control.name || control.outerHTML).trim().slice(0, 60))
  .slice(0, 5)"""
# Jump running transitions to their end (infinite ones, such as spinners, cannot be).
SETTLE = """() => document.getAnimations().forEach((a) => {
  try { a.finish(); } catch (infinite) { /* left running */ }
})"""
HAN = re.compile(r"[\u3400-\u9fff]")
# Two English words in a row: a phrase, not a product name or abbreviations (CSV 或 XLSX).
ENGLISH_WORDS = re.compile(r"\b[A-Za-z][a-z]{2,}\s+[A-Za-z][a-z]{2,}\b")
# An event code (asset.created), a state or constraint name (in_force, custody_patent_has_…).
RAW_CODE = re.compile(
    r"(?<![\w@/.:-])(?:[a-z]{3,}\.[a-z]+(?:_[a-z]+)*|[a-z]+(?:_[a-z]+){1,})(?![\w@/.-])"
)
# Names that read the same in both languages (brands, formats, standards).
PROPER_NOUNS = ["Stripe Connect", "Stripe Checkout", "Microsoft Excel", "Wagtail CMS"]


@functools.cache
def axe_init_script():
    """axe-core kept as the page's private `__reviewAxe`, with `window.axe` left as it was.

    Wagtail's admin bundles its own axe-core, sets it as `window.axe` and configures it for its
    content checks: the review runs the test's own, unconfigured copy on every page."""
    return (
        "(() => {\n"
        "  const previous = Object.getOwnPropertyDescriptor(window, 'axe');\n"
        f"{AXE.read_text(encoding='utf-8')}\n"
        "  ;window.__reviewAxe = window.axe;\n"
        "  if (previous) Object.defineProperty(window, 'axe', previous);\n"
        "  else delete window.axe;\n"
        "})();"
    )


def require_axe():
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run `make assets` (npm ci in frontend/).")


def reseed():
    """What the migrations seed and a transactional test's flush removed: the official fee
    table, the CMS site tree with its locales, editor groups and (Chinese) workflows."""
    from wagtail.models import Locale, Page

    from cms.models import HomePage
    from custody.models import OfficialFee

    if not OfficialFee.objects.exists():
        importlib.import_module("custody.migrations.0008_seed_official_fees").seed(apps, None)
    site = importlib.import_module("cms.migrations.0002_site_tree_groups_and_workflow")
    if not HomePage.objects.exists():
        locale, _created = Locale.objects.get_or_create(language_code="zh-hans")
        if not Page.objects.filter(depth=1).exists():
            Page.add_root(instance=Page(title="Root", slug="root", locale=locale))
        site.build_site(apps, None)
        site.grant_permissions(apps, None)
        importlib.import_module(
            "cms.migrations.0003_chinese_workflow_and_root_title"
        ).chinese_workflow(apps, None)
    cache.clear()


def bilingual_programme(personas):
    """tests.frontend.conftest.make_programme's year, named in both languages, with a 14-day
    co-payment window and the office's bank account published: the product as configured."""
    from django.utils import timezone

    from tests.frontend.conftest import make_programme

    programme = make_programme(personas)
    programme.name = f"{programme.year}年度知识产权托管"
    programme.name_en = f"{programme.year} IP custody year"
    programme.copay_due_days = 14
    programme.save(update_fields=["name", "name_en", "copay_due_days"])
    PayeeAccount.objects.create(
        account_name="南京市知识产权托管项目办公室",
        bank_name="中国银行南京鼓楼支行",
        account_number="4661 0123 4567 8901",
        valid_from=timezone.localdate() - datetime.timedelta(days=30),
    )
    return programme


def user_data(*extra):
    """What people typed in, longest first: firm, agency and incubator names, people's names,
    programme years' names, plus the journey's own texts (`extra`). The language check is
    about the product's words, so these are taken out of the page's text first."""
    names = [
        *Firm.objects.values_list("name", flat=True),
        *Agency.objects.values_list("name", flat=True),
        *Incubator.objects.values_list("name", flat=True),
        *User.objects.exclude(display_name="").values_list("display_name", flat=True),
        *User.objects.values_list("username", flat=True),
        # An agency's own description of its expertise, in its own words.
        *Agency.objects.values_list("expertise", flat=True),
        # Programme years' names and the rights' titles, as the office and the firm wrote them.
        *ProgrammeYear.objects.values_list("name", flat=True),
        *ProgrammeYear.objects.values_list("name_en", flat=True),
        *IPAsset.objects.values_list("title", flat=True),
        *PayeeAccount.objects.values_list("account_name", flat=True),
        *PayeeAccount.objects.values_list("bank_name", flat=True),
        *extra,
    ]
    return sorted({name for name in names if name}, key=len, reverse=True)


def _without(text, names):
    for name in names:
        text = text.replace(name, " ")
    return text


def page_pattern(url):
    """The path of `url` with its ids as <id> (/engagements/<id>/payments/): what the record
    of a walk lists. The query is kept, as typed (?q=专利年费): it holds filters and searches."""
    path, sep, query = url.partition("?")
    return re.sub(r"(?<=/)\d+(?=/|$)", "<id>", path) + sep + unquote_plus(query)


class Journey:
    """One person's browser in one language at one width, reviewing every page it visits.

    `walk` is the language and the width the journey clicks through at: 1280 px, or 390 px
    on a touch phone, where `press` taps and `navigate` opens the folded menu. `visit(path)`
    opens a page (which must answer 200) and reviews it; `review(note)` reviews the page as it
    is after an action in it (an htmx swap, a form's answer), `note` naming that state. Each
    review looks at the page at both widths. Problems are collected and `finish()` fails with
    all of them at once.

    With a `role`, the pages reviewed (path pattern and title) are written to
    var/journeys/<role>-<language>-<width>.txt as the walk goes; that record is a report, so
    it never fails the test, and a walk starts by overwriting the previous run's.
    """

    def __init__(self, browser, live_server, walk, *, role=None, data=()):
        require_axe()
        self.live_server = live_server
        self.walk = walk
        self.language = walk.language
        self.viewport = VIEWPORTS[walk.width]
        self.phone = self.viewport is PHONE
        self.data = list(data)
        # CSP forbids inline scripts; the test's own axe-core is let in, nothing else changes.
        self.context = browser.new_context(
            viewport=self.viewport,
            is_mobile=self.phone,
            has_touch=self.phone,
            bypass_csp=True,
            locale="zh-CN" if self.language == "zh-hans" else "en-US",
        )
        self.context.set_default_timeout(15_000)
        self.context.add_cookies(
            [
                {
                    "name": settings.LANGUAGE_COOKIE_NAME,
                    "value": self.language,
                    "url": live_server.url,
                }
            ]
        )
        # axe-core in every document the context opens, sent to the browser once: added to
        # each page as a script tag, its 500 kB crossed the driver's pipe at every review.
        self.context.add_init_script(script=axe_init_script())
        self.page = self.context.new_page()
        self.visited = []
        self.titles = []
        self.problems = {}
        self.started = datetime.datetime.now(tz=datetime.UTC)
        self.record = Path(settings.VAR_DIR) / "journeys" / f"{role}-{walk}.txt" if role else None
        self._write_record(finished=False)

    def sign_in(self, user):
        """A session made on the server and handed to the browser as its cookie: the login
        form is not the journey's step (test_role_homes walks it)."""
        client = Client()
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        self.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": self.live_server.url}]
        )
        return self

    def shown(self, obj):
        """How the page names `obj` in the journey's language (its display_name)."""
        from django.utils import translation

        with translation.override(self.language):
            return str(obj.display_name)

    def url(self, path):
        return f"{self.live_server.url}{path}"

    def press(self, locator):
        """A tap on a phone, a click on a desktop."""
        if self.phone:
            locator.tap()
        else:
            locator.click()

    def navigate(self, href):
        """Follow the main navigation's link to `href`, unfolding the menu first on a phone."""
        link = self.page.locator(f"#portal-nav a[href='{href}']").first
        if not link.is_visible():
            toggle = self.page.locator("nav .navbar-toggler")
            self.press(toggle)
            expect(toggle).to_have_attribute("aria-expanded", "true")
        self.press(link)

    def on_screen(self, locator):
        """Whether `locator` lies within the screen's sides (not in a column scrolled off)."""
        box = locator.bounding_box()
        return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= self.walk.width

    def visit(self, path, note=None):
        response = self.page.goto(self.url(path))
        assert response is not None and response.status == 200, (path, response and response.status)
        self.review(note)
        return self.page

    def review(self, note=None):
        """The checks on the page as it is now, at the walk's width and then the other one;
        the page is left at the walk's width."""
        page = self.page
        page.wait_for_load_state()
        pattern = page_pattern(page.url.removeprefix(self.live_server.url))
        label = f"{pattern} ({note})" if note else pattern
        self.visited.append(label)
        self.titles.append(page.title())
        self._write_record(finished=False)
        assert page.locator("html").get_attribute("lang") == self.language, (label, page.url)
        names = user_data(*self.data)
        problems = []
        other = DESKTOP if self.phone else PHONE
        for viewport in (self.viewport, other):
            if viewport is other:
                page.set_viewport_size(viewport)
            # A message fading in would be read by axe at half its contrast.
            page.evaluate(SETTLE)
            width = viewport["width"]
            problems += [f"{width}px axe {v}" for v in page.evaluate(AXE_RUN)]
            if viewport is PHONE and page.evaluate(WIDTH) > PHONE["width"]:
                problems.append(f"{page.evaluate(WIDTH)} px wide on a 390 px phone")
            if viewport is PHONE:
                problems += [
                    f"off a 390 px phone's screen: {text!r}"
                    for text in page.evaluate(OFF_SCREEN_CONTROLS)
                ]
            problems += [
                f"{width}px the chat button covers {text!r}"
                for text in page.evaluate(UNDER_CHAT_BUTTON)
            ]
        page.set_viewport_size(self.viewport)
        problems += self._language_and_codes(names)
        if problems:
            self.problems.setdefault(label, []).extend(dict.fromkeys(problems))
        return page

    def _write_record(self, *, finished):
        """var/journeys/<role>-<language>-<width>.txt: the pages walked so far, one a line
        (path pattern, title, the page's state if noted), under a line saying whether the
        walk reached its end. Written whole each time, so a run never reads as another's."""
        if self.record is None:
            return
        end = "walked to the end" if finished else "walk not finished (stopped or still running)"
        problems = f", {len(self.problems)} page(s) with problems" if self.problems else ""
        started = self.started.strftime("%Y-%m-%d %H:%M:%S UTC")
        lines = [f"# {self.record.stem}, run of {started}: {end}{problems}"]
        lines += [
            f"{label}\t{title}" for label, title in zip(self.visited, self.titles, strict=True)
        ]
        partial = self.record.with_name(f".{self.record.name}.{os.getpid()}")
        try:
            self.record.parent.mkdir(parents=True, exist_ok=True)
            partial.write_text("\n".join(lines) + "\n", encoding="utf-8")
            partial.replace(self.record)
        except OSError as error:
            partial.unlink(missing_ok=True)
            log.warning("The journey's record %s was not written: %s", self.record, error)

    def _language_and_codes(self, names):
        page = self.page
        problems = []
        nodes = page.evaluate(TEXT_NODES)
        for node in nodes:
            if node["literal"] or node["foreign"]:
                continue
            text = _without(node["text"], names)
            for match in RAW_CODE.finditer(text):
                problems.append(f"raw code {match.group()!r} in {node['text']!r}")
            if self.language == "en" and HAN.search(text):
                problems.append(f"Chinese on an English page: {node['text']!r}")
        if self.language != "en":
            for text in page.evaluate(CHROME_TEXTS, CHROME):
                text = _without(_without(text, names), PROPER_NOUNS)
                if ENGLISH_WORDS.search(HAN.sub(" ", text)):
                    problems.append(f"English on a Chinese page: {text!r}")
        return problems

    def finish(self):
        self._write_record(finished=True)
        self.context.close()
        assert not self.problems, self.problems
        return self.visited

"""The report PDF reads every dynamic string as text, never as reportlab markup (#14 item 1)."""

import io
import unicodedata

import pytest
from django.db import connection
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from pypdf import PdfReader

from custody.models import IPAsset
from custody.report_pdf import pdf_text
from marketplace.models import Agency, Firm, ServiceItem

pytestmark = pytest.mark.django_db

# Bidi classes that pypdf reorders when it extracts text: they are drawn by their own strategy.
# Unassigned code points (Cn) are left out too: their bidi class is not in unicodedata.
RIGHT_TO_LEFT = {"R", "AL", "RLE", "RLO", "RLI", "LRE", "LRO", "LRI", "PDF", "PDI"}

MARKUP = st.sampled_from(
    [
        '<img src="/etc/hostname" width="40" height="40"/>',
        "<b>unclosed",
        "</para></font>",
        "<a href='javascript:alert(1)'>x</a>",
        "&amp; &lt; & &#0; &#xD800; &unknown;",
        "<![CDATA[x]]>",
        "<super>1</super><seq id='x'/>",
    ]
)
CONTROLS = st.text(st.characters(codec=None, categories=["Cc"]), min_size=1, max_size=5)
CJK = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1, max_size=40)
# One right-to-left word: pypdf puts a single run back in logical order, but reorders the
# words of a longer right-to-left run by a heuristic of its own.
RTL = st.text(
    st.characters(min_codepoint=0x05D0, max_codepoint=0x05EA)
    | st.characters(min_codepoint=0x0627, max_codepoint=0x064A),
    min_size=1,
    max_size=12,
)
ANY_LTR = st.text(
    st.characters(exclude_categories=["Cs", "Cn"]).filter(
        lambda c: unicodedata.bidirectional(c) not in RIGHT_TO_LEFT
    ),
    min_size=1,
    max_size=60,
)
LONG = st.sampled_from(["号", "x", "<b>", "&"]).map(lambda c: (c * 10_000)[:10_000])
HOSTILE = st.one_of(
    MARKUP,
    CJK,
    RTL,
    LONG,
    st.tuples(ANY_LTR, CONTROLS, MARKUP, ANY_LTR).map("".join),
    ANY_LTR,
).filter(lambda text: _visible(text))


def _visible(text):
    """What of `text` a reader can find in the PDF: no controls or invisible format
    characters, no whitespace."""
    kept = "".join(c for c in text if unicodedata.category(c) not in {"Cc", "Cf", "Cs"})
    return "".join(kept.split())


def pdf_pages_text(content):
    """Each page's text, without whitespace."""
    return ["".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages]


def _longest_prefix_in(text, page):
    low, high = 0, len(text)
    while low < high:  # a prefix found means every shorter one is found
        middle = (low + high + 1) // 2
        if text[:middle] in page:
            low = middle
        else:
            high = middle - 1
    return low


def appears_literally(text, pages):
    """`text` is in the PDF as written, where page breaks (and what a page repeats or
    finishes before it goes on, such as a table's other cells and its header) may divide it."""
    for start in range(len(pages)):
        rest = text
        for page in pages[start:]:
            found = _longest_prefix_in(rest, page)
            if found == len(rest):
                return True
            if not found:
                break
            rest = rest[found:]
    return False


def _report_pdf(client, personas, engagement):
    client.force_login(personas.firm_member)
    day = engagement.starts_on
    url = reverse(
        "frontend:firm-report-pdf", args=[personas.firm.pk, day.year, (day.month - 1) // 3 + 1]
    )
    return client.get(url)


def test_item_01_pdf_text_escapes_markup_and_drops_controls():
    assert pdf_text('<img src="x"/>&\x00\x07') == '&lt;img src="x"/&gt;&amp;'
    assert pdf_text("a\nb\tc") == "a b c"


def test_item_01_an_image_tag_in_a_title_embeds_no_file(
    client, personas, engagement, patent, tmp_path
):
    # Another firm's private scan, as the review found it.
    scan = tmp_path / "other-firm-scan.png"
    Image.new("RGB", (4, 4), "red").save(scan)
    hostile = f'<img src="{scan}" width="40" height="40"/>'
    IPAsset.objects.filter(pk=patent.pk).update(title=hostile)
    Firm.objects.filter(pk=personas.firm.pk).update(name="<b>unbalanced <i>firm")

    response = _report_pdf(client, personas, engagement)

    assert response.status_code == 200
    assert not [
        image for page in PdfReader(io.BytesIO(response.content)).pages for image in page.images
    ]
    pages = pdf_pages_text(response.content)
    assert appears_literally(_visible(hostile), pages)
    assert appears_literally(_visible("<b>unbalanced <i>firm"), pages)


def _storable(model, field, value):
    """`value` as the database can hold it. SQLite keeps any text (so the 10,000-character
    names reach the PDF there); PostgreSQL enforces the column's length and stores no NUL,
    which the forms refuse anyway."""
    if connection.vendor != "postgresql":
        return value
    return value.replace("\x00", "")[: model._meta.get_field(field).max_length]


@settings(
    max_examples=20,
    deadline=None,
    # The personas and the engagement are set up once; each example rewrites the fields.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(firm=HOSTILE, title=HOSTILE, agency=HOSTILE, item=HOSTILE)
def test_item_01_property_any_text_in_every_field_is_drawn_literally(
    client, personas, engagement, patent, firm, title, agency, item
):
    firm = _storable(Firm, "name", firm)
    title = _storable(IPAsset, "title", title)
    agency = _storable(Agency, "name", agency)
    item = _storable(ServiceItem, "name_en", _storable(ServiceItem, "name", item))
    Firm.objects.filter(pk=personas.firm.pk).update(name=firm)
    IPAsset.objects.filter(pk=patent.pk).update(title=title)
    Agency.objects.filter(pk=personas.agency.pk).update(name=agency)
    first_item = engagement.items.order_by("pk").first().service_item_id
    ServiceItem.objects.filter(pk=first_item).update(name=item, name_en=item)

    response = _report_pdf(client, personas, engagement)

    assert response.status_code == 200
    pages = pdf_pages_text(response.content)
    for value in (firm, title, agency, item):
        assert appears_literally(_visible(value), pages)

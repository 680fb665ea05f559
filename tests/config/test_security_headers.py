import pytest

pytestmark = pytest.mark.django_db

# What a strict Content-Security-Policy would refuse in a template.
INLINE_MARKERS = (
    "<script>",
    '<script type="text/javascript">',
    ' style="',
    "<style>",
    "<style ",
    " onclick=",
    " onchange=",
    " onsubmit=",
)


def test_portal_pages_forbid_inline_script_and_framing(client):
    response = client.get("/login/")
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_wagtail_admin_keeps_its_inline_scripts_working(client):
    response = client.get("/cms/login/")
    assert response.status_code == 200
    assert "Content-Security-Policy" not in response
    assert response["X-Frame-Options"] == "DENY"


def test_no_template_of_the_product_carries_inline_script_or_style():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = []
    for template in root.glob("*/templates/**/*.html"):
        if ".venv" in template.parts:
            continue
        text = template.read_text(encoding="utf-8")
        for marker in INLINE_MARKERS:
            if marker in text:
                offenders.append(f"{template.relative_to(root)}: {marker.strip()}")
    assert offenders == []

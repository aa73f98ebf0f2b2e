"""The Content-Security-Policy allows no inline script, and no served template needs one."""

from pathlib import Path

import pytest

from tests.factories import make_cohort

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_and_no_inline_script(client):
    make_cohort()
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    html = response.content.decode()
    assert "<script>" not in html
    assert "style=" not in html


def test_templates_have_no_inline_scripts_or_styles():
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        if "email" in path.parts:
            continue  # e-mail clients need inline styles; e-mails are not served under our CSP
        text = path.read_text()
        if "<script>" in text or " style=" in text or "<style" in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []

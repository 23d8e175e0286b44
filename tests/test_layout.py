"""The page layout: tables in labelled scroll regions (WCAG 1.4.10), the back link in a
landmark, the account links in the header."""

import re
from pathlib import Path

import pytest
from jinja2 import Environment
from lxml import html

from qaweb.core.templating import table_region

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def _env():
    env = Environment(autoescape=True)
    env.globals["table_region"] = table_region
    return env


def test_every_table_in_the_templates_is_in_a_scroll_region():
    bare = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines):
            if "<table" in line and lines[number - 1].strip() != "{% call table_region() %}":
                bare.append(f"{path.relative_to(TEMPLATES)}:{number + 1}")
    assert not bare, "tables outside {% call table_region() %}: " + ", ".join(bare)


def test_the_region_is_named_by_the_tables_caption():
    out = (
        _env()
        .from_string(
            "{% call table_region() %}<table><caption class=c>Teams</caption></table>{% endcall %}"
            "{% call table_region() %}<table><caption>Areas</caption></table>{% endcall %}"
        )
        .render()
    )
    regions = html.fromstring(f"<div>{out}</div>").xpath("//div[@role='region']")
    assert len(regions) == 2
    ids = set()
    for region in regions:
        assert region.get("class") == "qaweb-table-scroll" and region.get("tabindex") == "0"
        (caption,) = region.xpath(".//caption")
        assert caption.get("id") == region.get("aria-labelledby")
        ids.add(caption.get("id"))
    assert len(ids) == 2  # unique, even across fragments


def test_a_caption_with_an_id_keeps_it_and_a_table_without_one_is_refused():
    env = _env()
    out = env.from_string(
        '{% call table_region() %}<table><caption id="mine">X</caption></table>{% endcall %}'
    ).render()
    assert 'aria-labelledby="mine"' in out and out.count('id="mine"') == 1
    with pytest.raises(ValueError, match="caption"):
        env.from_string("{% call table_region() %}<table></table>{% endcall %}").render()


def test_the_back_link_is_in_a_landmark_and_account_links_are_in_the_header(client, signed_in):
    signed_in("admin")
    page = client.get("/admin/users").get_data(as_text=True)
    doc = html.fromstring(page)
    (back,) = doc.xpath("//a[contains(@class, 'govuk-back-link')]")
    assert back.xpath("ancestor::nav[@aria-label='Back']")
    assert not back.xpath("ancestor::main")  # "Skip to main content" still skips it
    (account,) = doc.xpath("//nav[@aria-label='Your account']")
    assert account.xpath("ancestor::header")
    assert account.xpath(".//button[normalize-space()='Sign out']")
    # The main navigation holds the sections only.
    (main_nav,) = doc.xpath("//nav[@aria-label='Main']")
    labels = [a.text_content().strip() for a in main_nav.xpath(".//a")]
    assert "Sign out" not in labels and not any("password" in t for t in labels)
    # A page without a back link has no empty landmark.
    home = client.get("/").get_data(as_text=True)
    assert 'aria-label="Back"' not in home
    assert re.search(r'<main[^>]*id="main-content"', home)

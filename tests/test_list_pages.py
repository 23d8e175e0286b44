"""A page past the end of a list says so and links back; an empty filter result still says
nothing matches.

The field report: /actions/all?q=the&status=all&team=7&page=999 showed "78 actions · No
actions match these filters." with no pager to get back.
"""

import html
import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from support import sign_in

from qaweb.complaints import services as complaint_services
from qaweb.complaints.models import Complaint
from qaweb.extensions import db


@pytest.fixture
def short_pages(app, monkeypatch):
    """Two rows a page, so a handful of rows makes several pages."""
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)


def _body(response) -> str:
    assert response.status_code == 200, response.status_code
    return html.unescape(response.get_data(as_text=True))


def _plain(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def _last_page_link(page: str) -> dict[str, list[str]]:
    """The query of the "Go to page N, the last page" link."""
    found = re.search(
        r'<a class="govuk-link" href="([^"]+)">Go to page [\d,]+, the last page', page
    )
    assert found, _plain(page)
    parts = urlsplit(found.group(1))
    return {"path": [parts.path], **parse_qs(parts.query)}


def _complaint(name: str) -> Complaint:
    complaint = Complaint(
        received_on=date(2026, 11, 2),
        received_how="email",
        complainant_type="parent",
        complainant_name=name,
        complainant_contact="jo@example.org",
        summary="Visits missed",
    )
    complaint_services.open_complaint(complaint, None)
    db.session.commit()
    return complaint


def test_actions_page_past_the_end_says_so_and_links_to_the_last_page(
    client, short_pages, signed_in, make_user, make_action
):
    signed_in("qa_officer")
    owner = make_user()
    for i in range(5):
        make_action(owner, description=f"Leaflet action {i}")
    make_action(owner, description="Something else")

    for headers in ({}, {"HX-Request": "true"}):
        page = _body(client.get("/actions/all?q=Leaflet&status=all&page=999", headers=headers))
        words = _plain(page)
        assert "5 actions" in words
        assert "There is no page 999: this list has 3 pages." in words
        assert "No actions match these filters" not in words
        assert 'class="govuk-pagination"' in page  # the pager stays, to get back
        assert "Leaflet action" not in words
        link = _last_page_link(page)
        assert link["path"] == ["/actions/all"]
        assert link["q"] == ["Leaflet"] and link["status"] == ["all"] and link["page"] == ["3"]
    # The link is the last page, with the filters kept: its row is there.
    last = _plain(_body(client.get("/actions/all?q=Leaflet&status=all&page=3")))
    assert "Leaflet action" in last and "There is no page" not in last

    # Nothing matching is still "nothing matches", on any page.
    for query in ("q=Nothing+like+this", "q=Nothing+like+this&page=999"):
        words = _plain(_body(client.get(f"/actions/all?{query}")))
        assert "No actions match these filters." in words, query
        assert "There is no page" not in words, query


@pytest.fixture
def officer(make_user):
    return make_user("complaints_officer", first_name="Carys", last_name="Morgan")


def test_complaints_list_past_the_end(client, short_pages, officer):
    for name in ("Jo Bloggs", "Jan Bloggs", "Jim Bloggs"):
        _complaint(name)
    _complaint("Someone Else")
    sign_in(client, officer)

    page = _body(client.get("/complaints/?q=Bloggs&page=7"))
    words = _plain(page)
    assert "3 complaints" in words
    assert "There is no page 7: this list has 2 pages." in words
    assert "No complaints match these filters" not in words
    assert 'class="govuk-pagination"' in page
    link = _last_page_link(page)
    assert link["path"] == ["/complaints/"] and link["q"] == ["Bloggs"] and link["page"] == ["2"]

    empty = _plain(_body(client.get("/complaints/?q=Nobody+by+this+name")))
    assert "No complaints match these filters." in empty and "There is no page" not in empty


def test_a_one_page_list_asked_for_page_two_links_to_page_one(client, officer):
    _complaint("Jo Bloggs")
    sign_in(client, officer)
    page = _body(client.get("/complaints/?q=Bloggs&page=2"))
    words = _plain(page)
    assert "1 complaint" in words
    assert "There is no page 2: this list has 1 page." in words
    assert _last_page_link(page)["page"] == ["1"]

"""Back and forward through filtered lists: htmx's history restore gets a whole page, and
changing a filter does not add a history entry per change."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from lxml import html
from support import ONE_QUESTION_DIP_SAMPLE

from qaweb.core.permissions import ROLES
from qaweb.core.timefmt import today_london
from qaweb.extensions import db
from qaweb.practice_week.models import PracticeWeek

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"

# Every list whose filters update it in place, by template: the URL that shows it.
LISTS = {
    "actions/list.html": "/actions/all?status=open",
    "supervision/index.html": "/supervision/?status=",
    "supervision/coverage.html": "/supervision/coverage",
    "organisation/users.html": "/admin/users?status=active",
    "notifications/outbox.html": "/admin/outbox?status=sent",
    "practice_week/board.html": "/practice-weeks/{week}/board",
    "practice_week/coverage.html": "/practice-weeks/{week}/coverage",
    "complaints/index.html": "/complaints/?status=open",
    "complaints/report.html": "/complaints/report",
    "thematic/index.html": "/thematic/",
    "case_audits/index.html": "/case-audits/?status=",
    "case_audits/report.html": "/case-audits/reports",
    "case_audits/summary.html": "/case-audits/summary",
    "moderation/agreement.html": "/moderation/agreement",
    "dip_samples/sample.html": "/dip-samples/{dip_sample}",
    "dip_samples/results.html": "/dip-samples/{dip_sample}/results",
}
HX = {"HX-Request": "true"}
RESTORE = {"HX-Request": "true", "HX-History-Restore-Request": "true"}


def _templates_with_htmx_filters() -> set[str]:
    """Templates whose filter form is written out, or comes from the kit (lists.filter_form)."""
    return {
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if path.name != "_lists.html"
        and (
            re.search(r'class="qaweb-filters"[^>]*\s+hx-get=', path.read_text(), re.S)
            or "lists.filter_form(" in path.read_text()
        )
    }


def test_every_list_with_htmx_filters_is_checked_here():
    assert _templates_with_htmx_filters() == set(LISTS)


@pytest.fixture
def everyone(signed_in):
    """One person holding every role, so that every list lets them in."""
    monday = today_london() + timedelta(days=7 - today_london().weekday())
    week = PracticeWeek(
        theme="Voice of the child",
        starts_on=monday,
        ends_on=monday + timedelta(days=4),
        status="open",
    )
    db.session.add(week)
    db.session.commit()
    person = signed_in(*ROLES)
    dip_sample = _dip_sample(person)
    return {
        template: url.format(week=week.id, dip_sample=dip_sample.id)
        for template, url in LISTS.items()
    }


def _dip_sample(person):
    """A dip sample of one case, sampled by ``person`` (who holds every role)."""
    from qaweb.dip_samples import services
    from qaweb.tools.services import load_text

    version, _ = load_text(ONE_QUESTION_DIP_SAMPLE, publish=True)
    line = services.CaseLine(case_number="400001", team=person.team, sampler=person)
    sample = services.create(
        "Chronologies", version, today_london(), today_london() + timedelta(days=30), [line], person
    )
    db.session.commit()
    return sample


def _vary(response) -> set[str]:
    return {v.strip() for v in response.headers.get("Vary", "").split(",")}


@pytest.mark.parametrize("template", list(LISTS))
def test_a_history_restore_gets_the_whole_page(client, everyone, template):
    url = everyone[template]
    fragment = client.get(url, headers=HX)
    assert fragment.status_code == 200
    assert "<html" not in fragment.get_data(as_text=True)

    restored = client.get(url, headers=RESTORE)
    assert restored.status_code == 200
    body = restored.get_data(as_text=True)
    assert "<html" in body and 'id="main-content"' in body and "qaweb-filters" in body
    assert "HX-Retarget" not in restored.headers
    # A cache (the browser's too) keeps the page, the fragment and the restore apart.
    for response in (fragment, restored):
        assert {"HX-Request", "HX-History-Restore-Request"} <= _vary(response)


@pytest.mark.parametrize("template", list(LISTS))
def test_changing_a_filter_replaces_the_address_and_only_apply_adds_history(
    client, everyone, template
):
    page = html.fromstring(client.get(everyone[template]).get_data(as_text=True))
    (form,) = page.xpath('//form[contains(@class, "qaweb-filters")]')
    # A change (each arrow key in a select is one) updates the list and the address in place.
    assert form.get("hx-trigger") == "change"
    assert form.get("hx-replace-url") == "true"
    assert form.get("hx-push-url") is None
    # Only the submit button ("Apply filters", or Enter in the search box) adds a history
    # entry, sending the whole form to the same address.
    (button,) = form.xpath('.//button[@type="submit"]')
    assert button.get("hx-push-url") == "true"
    assert button.get("hx-include") == "closest form"
    assert button.get("hx-get") == form.get("hx-get") == form.get("action")
    # A change and a submit in quick succession (Enter in the search box) send one request.
    assert form.get("hx-sync") == "this:replace"
    assert button.get("hx-sync") == "closest form:replace"
    # No element inside the form pushes on change.
    assert not [el for el in form.iter() if el.get("hx-push-url") and el is not button]


def test_apply_on_the_address_already_shown_adds_no_history_entry(client, everyone):
    url = everyone["organisation/users.html"]
    same = client.get(url, headers=HX | {"HX-Current-URL": f"http://qaweb.test{url}"})
    assert same.headers["HX-Push-Url"] == "false"
    other = client.get(url, headers=HX | {"HX-Current-URL": "http://qaweb.test/admin/users"})
    assert "HX-Push-Url" not in other.headers


def test_views_that_answer_htmx_with_a_fragment_treat_a_restore_as_a_page(app):
    """is_htmx() is False for a history restore, so no view answers it with a fragment."""
    from qaweb.core.htmx import is_htmx

    with app.test_request_context("/", headers=RESTORE):
        assert not is_htmx()
    with app.test_request_context("/", headers=HX):
        assert is_htmx()

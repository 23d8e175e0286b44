"""Every htmx fragment (a block rendered alone) renders, with rows in every state.

A block rendered alone by jinja2-fragments has none of the imports at the top of its
template, so a macro used only in some rows' branch (the red Overdue tag of an overdue
complaint) failed only when such a row was on the page. The demo council has rows in every
state; each list is fetched as an htmx fragment once per value of each of its filters, on a
page long enough to hold every row, and must answer 200 with a fragment (no ``<html>``).
"""

import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import select
from support import page_forms

from qaweb.core.permissions import ROLES
from qaweb.extensions import db

HX = {"HX-Request": "true"}
ROOT = Path(__file__).resolve().parent.parent


def block_call_sites() -> set[tuple[str, str]]:
    """Every (template, block) the views render alone: ``render("x.html", block="y"``."""
    found = set()
    for path in (ROOT / "qaweb").rglob("*.py"):
        text = path.read_text()
        for match in re.finditer(r'render\(\s*"([^"]+)",\s*block=([^,]+),', text):
            template, block = match.groups()
            found.update((template, b) for b in re.findall(r'"(\w+)"', block))
        # qaweb.core.lists.render_list renders a list page's "results" block.
        found.update((t, "results") for t in re.findall(r'render_list\(\s*"([^"]+)",', text))
    return found


@pytest.fixture(scope="module")
def _app(demo_council_app):
    """This module's tests run on a copy of the demo council (seeded once per run)."""
    return demo_council_app


@pytest.fixture
def demo(app, client, make_user, make_team):
    """The demo council (the module's database), and a client signed in as someone with
    every role."""
    from support import sign_in

    user = make_user(*ROLES, team=make_team("Fragment Team"))
    overdue_complaint()
    overdue_audit(make_user)
    make_user("practitioner", last_name="Leaver", active=False)
    sign_in(client, user)
    app.config["PAGE_SIZE"] = 10_000  # every row on one page, so every state renders
    yield
    app.config["PAGE_SIZE"] = 50


def overdue_complaint():
    """An open complaint whose Stage 1 response is past due (received 60 days ago)."""
    from datetime import timedelta

    from qaweb.complaints.models import Complaint
    from qaweb.complaints.services import open_complaint
    from qaweb.core.timefmt import today_london

    complaint = Complaint(
        received_on=today_london() - timedelta(days=60),
        received_how="email",
        complainant_type="parent",
        complainant_name="A Parent",
        summary="Stage 1 never answered",
    )
    open_complaint(complaint, None)
    db.session.commit()
    return complaint


def overdue_audit(make_user):
    """A supervision audit still planned a month after it was due."""
    from datetime import timedelta

    from qaweb.core.timefmt import today_london
    from qaweb.supervision.models import SupervisionAudit

    supervisor = make_user("team_manager")
    today = today_london()
    audit = SupervisionAudit(
        year=today.year,
        supervisor_id=supervisor.id,
        auditor_id=make_user("team_manager").id,
        team_id=supervisor.team_id,
        due_on=today - timedelta(days=30),
    )
    db.session.add(audit)
    db.session.commit()
    return audit


def filter_variants(client, url) -> list[str]:
    """``url`` alone and with each value of each of its page's filters in turn."""
    html = client.get(url).get_data(as_text=True)
    variants = [url]
    for form in page_forms(html):
        if form["method"] != "get":
            continue
        for field in form["fields"]:
            if field["kind"] in ("select", "checkbox", "radio"):
                for value in field["values"]:
                    if value:
                        variants.append(f"{url}?{urlencode({field['name']: value})}")
    return variants


def fragment(client, url, **headers):
    response = client.get(url, headers=HX | headers)
    body = response.get_data(as_text=True)
    assert response.status_code == 200, f"{url}: {response.status_code}\n{body[:500]}"
    assert "<html" not in body, f"{url} answered the whole page"
    assert response.headers["Vary"] == "HX-Request" or "HX-Request" in response.headers["Vary"]
    return body


def test_every_list_fragment_renders_rows_in_every_state(app, client, demo):
    from qaweb.practice_week.models import PracticeWeek
    from qaweb.thematic.models import ThematicAudit

    week = db.session.scalars(select(PracticeWeek).order_by(PracticeWeek.starts_on)).first()
    lists = {
        ("actions/list.html", "results"): "/actions/all",
        ("supervision/index.html", "results"): "/supervision/",
        ("supervision/coverage.html", "results"): "/supervision/coverage",
        ("organisation/users.html", "results"): "/admin/users",
        ("notifications/outbox.html", "results"): "/admin/outbox",
        ("practice_week/coverage.html", "results"): f"/practice-weeks/{week.id}/coverage",
        ("practice_week/board.html", "results"): f"/practice-weeks/{week.id}/board",
        ("complaints/index.html", "results"): "/complaints/",
        ("complaints/report.html", "results"): "/complaints/report",
        ("thematic/index.html", "results"): "/thematic/",
        ("case_audits/index.html", "results"): "/case-audits/",
        ("case_audits/report.html", "results"): "/case-audits/reports",
        ("case_audits/summary.html", "results"): "/case-audits/summary",
        ("moderation/agreement.html", "results"): "/moderation/agreement",
    }
    from qaweb.dip_samples.models import DipSample

    dip = db.session.scalars(select(DipSample).order_by(DipSample.id)).first()
    lists[("dip_samples/sample.html", "cases")] = f"/dip-samples/{dip.id}"
    lists[("dip_samples/results.html", "no_cases")] = f"/dip-samples/{dip.id}/results"
    seen: dict[tuple, str] = {}
    for key, url in lists.items():
        bodies = [fragment(client, variant) for variant in filter_variants(client, url)]
        seen[key] = "".join(bodies)

    # The whole actions listing (filters and rows) is swapped in while the Owner box errs.
    seen[("actions/list.html", "listing")] = fragment(
        client, "/actions/all?status=open", **{"HX-Target": "actions-listing"}
    )
    assert 'id="actions-listing"' in seen[("actions/list.html", "listing")] or (
        "govuk-table" in seen[("actions/list.html", "listing")]
    )

    # Adding a line of enquiry redraws the lines alone.
    audit = db.session.scalars(
        select(ThematicAudit).where(ThematicAudit.status.in_(("planned", "draft")))
    ).first()
    response = client.post(
        f"/thematic/{audit.id}/terms",
        data={"line_action": "add", "lines-0": "Is neglect seen early?"},
        headers=HX,
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert "Is neglect seen early?" in body
    seen[("thematic/terms.html", "lines")] = body

    # Every block the views render alone is fetched above (a new one must be added here).
    assert set(seen) == block_call_sites()

    # The rows' states the templates branch on were all drawn.
    complaints = seen[("complaints/index.html", "results")]
    assert "Overdue" in complaints and "govuk-tag--red" in complaints
    assert "working days left" in complaints and "Closed " in complaints
    assert "Overdue" in seen[("supervision/index.html", "results")]
    actions = seen[("actions/list.html", "results")]
    assert "Overdue" in actions and "Completed" in actions and "Cancelled" in actions
    assert "Deactivated" in seen[("organisation/users.html", "results")]
    case_audits = seen[("case_audits/index.html", "results")]
    assert "Overdue" in case_audits and "Completed" in case_audits and "In progress" in case_audits
    assert "Inadequate" in seen[("case_audits/report.html", "results")]

    # With short pages, each list draws its pagination (a macro too) in the fragment.
    app.config["PAGE_SIZE"] = 2
    for key in (
        "actions/list.html",
        "supervision/index.html",
        "organisation/users.html",
        "complaints/index.html",
        "thematic/index.html",
        "case_audits/index.html",
    ):
        url = lists[(key, "results")]
        assert "govuk-pagination" in fragment(client, url + "?page=2"), url


def test_overdue_complaint_filters_answer_the_list(app, client, signed_in):
    """The field report: one open complaint past its deadline broke every list filter."""
    signed_in("complaints_officer")
    complaint = overdue_complaint()
    for query in ("q=&status=all&stage=&area=", "status=open", "overdue=y"):
        body = fragment(client, f"/complaints/?{query}")
        assert complaint.reference in body
        assert "Overdue" in body and "govuk-tag--red" in body


def test_every_govuk_macro_and_ui_macro_is_a_global(app):
    """Templates import no macros: each GOV.UK component's macro, and ``ui``, is global."""
    from qaweb.core.templating import govuk_macro_names

    names = govuk_macro_names()
    assert {"govukTag", "govukPagination", "govukGenericHeader", "govukCharacterCount"} <= set(
        names
    )
    env = app.jinja_env
    rendered = env.from_string(
        "{{ govukTag({'text': 'Overdue'}) }}{{ ui.status_tag('open', overdue=True) }}"
    ).render()
    assert "govuk-tag" in rendered and rendered.count("Overdue") == 2
    for name, template in names.items():
        assert callable(getattr(env.get_template(template).module, name)), name


def test_a_page_past_the_end_of_every_list_says_so_and_links_back(app, client, demo):
    """The field report: page 999 of a list of 78 said "No actions match these filters." with
    no pager. Every paginated list of the demo council (each has rows) says there is no such
    page, links to its last page and keeps the pager, as a page and as an htmx fragment."""
    from qaweb.dip_samples.models import DipSample
    from qaweb.practice_week.models import PracticeWeek

    week = db.session.scalars(select(PracticeWeek).order_by(PracticeWeek.starts_on)).first()
    dip = db.session.scalars(select(DipSample).order_by(DipSample.id)).first()
    app.config["PAGE_SIZE"] = 1
    urls = [
        "/actions/all",
        "/supervision/",
        "/admin/users",
        "/complaints/",
        "/complaints/compliments",
        "/thematic/",
        "/case-audits/",
        "/dip-samples/",
        f"/dip-samples/{dip.id}",
        f"/practice-weeks/{week.id}/board",
        "/admin/outbox",
        "/moderation/panels",
        "/qa-report/",
    ]
    for url in urls:
        for headers in ({}, HX):
            response = client.get(f"{url}?page=99999", headers=headers)
            assert response.status_code == 200, url
            body = response.get_data(as_text=True)
            words = " ".join(re.sub(r"<[^>]+>", " ", body).split())
            assert "There is no page 99,999: this list has" in words, (url, words[-600:])
            assert "the last page" in words and "govuk-pagination" in body, url
            assert "match these filters" not in words and "No cases to show" not in words, url

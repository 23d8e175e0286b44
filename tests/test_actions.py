import io
import re
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import select
from support import sign_in

from qaweb.actions.models import Action
from qaweb.core.history import ChangeLog
from qaweb.core.timefmt import today_london
from qaweb.extensions import db


def page_of(response):
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_my_actions_shows_only_mine(client, make_user, make_action):
    me = make_user(first_name="Me")
    other = make_user(first_name="Other")
    make_action(me, description="Mine to do")
    make_action(other, description="Not mine")
    sign_in(client, me)
    page = page_of(client.get("/actions/mine"))
    assert "Mine to do" in page
    assert "Not mine" not in page


def test_team_actions_for_team_and_service_managers(
    client, make_user, make_team, make_area, make_action
):
    area = make_area()
    team_a = make_team(area=area)
    team_b = make_team(area=area)
    elsewhere = make_team()
    make_action(make_user(team=team_a), description="Team A action")
    make_action(make_user(team=team_b), description="Team B action")
    make_action(make_user(team=elsewhere), description="Other area action")

    tm = make_user("team_manager", team=team_a)
    sign_in(client, tm)
    page = page_of(client.get("/actions/team"))
    assert "Team A action" in page
    assert "Team B action" not in page
    client.post("/sign-out")

    sm = make_user("service_manager", team=team_b)
    sign_in(client, sm)
    page = page_of(client.get("/actions/team"))
    assert "Team A action" in page and "Team B action" in page
    assert "Other area action" not in page


def test_filters_apply_in_sql(client, signed_in, make_user, make_team, make_action):
    signed_in("qa_officer")
    team = make_team(name="Conifers")
    owner = make_user(team=team, first_name="Fiona", last_name="Green")
    make_action(owner, due_in_days=-3, description="Late chronology")
    make_action(owner, due_in_days=10, description="Future visit")
    make_action(
        make_user(), due_in_days=-1, description="Someone else late", source_type="learning_log"
    )
    done = make_action(owner, due_in_days=-20, description="Done already", status="completed")
    done.completed_on = today_london()
    db.session.commit()

    page = page_of(client.get("/actions/all?overdue=y"))
    assert "Late chronology" in page and "Someone else late" in page
    assert "Future visit" not in page and "Done already" not in page

    page = page_of(client.get(f"/actions/all?owner={owner.id}"))
    assert "Late chronology" in page and "Future visit" in page
    assert "Someone else late" not in page

    page = page_of(client.get(f"/actions/all?team={team.id}&status=completed"))
    assert "Done already" in page and "Late chronology" not in page

    page = page_of(client.get("/actions/all?source=learning_log"))
    assert "Someone else late" in page and "Late chronology" not in page

    page = page_of(client.get("/actions/all?q=fiona+green"))
    assert "Late chronology" in page and "Someone else late" not in page

    page = page_of(client.get("/actions/all?status=all&q=chronology"))
    assert "<strong>1</strong> action" in page


def test_owner_filter_is_a_text_box_not_a_list_of_all_staff(client, signed_in, make_user):
    signed_in("qa_officer")
    for n in range(3):
        make_user(first_name=f"Staff{n}", last_name="Member")
    page = page_of(client.get("/actions/all"))
    assert re.search(r'<input[^>]*name="owner"[^>]*type="text"', page)
    assert "Name or email address" in page
    assert "Staff1 Member" not in page  # nobody is listed until the filter is used


def test_owner_filter_by_name_or_email(client, signed_in, make_user, make_action):
    signed_in("qa_officer")
    fiona = make_user(first_name="Fiona", last_name="Green", email="fiona.green@council.example")
    make_user(first_name="Fionnuala", last_name="Grey")  # owns nothing; shares "Fion"
    make_action(fiona, description="Fiona's chronology")
    make_action(make_user(first_name="Sam", last_name="Brown"), description="Sam's visit")

    for text in ("fiona green", "  Fiona   GREEN ", "fiona.green@council.example", "green"):
        page = page_of(client.get("/actions/all", query_string={"owner": text}))
        assert "Fiona&#39;s chronology" in page, text
        assert "Sam&#39;s visit" not in page, text
        assert "There is a problem" not in page, text

    # The box keeps the owner as typed; the export (and any next page) names the person found,
    # so someone of the same name joining later cannot change what they show.
    page = page_of(client.get("/actions/all", query_string={"owner": "Fiona Green"}))
    assert 'value="Fiona Green"' in page
    fiona = re.search(r'href="([^"]*export\.xlsx[^"]*)"', page).group(1).replace("&amp;", "&")
    assert re.search(r"[?&]owner=\d+", fiona), fiona


def test_owner_filter_by_id_still_works_for_links(client, signed_in, make_user, make_action):
    signed_in("qa_officer")
    owner = make_user(first_name="Lena", last_name="Park", email="lena.park@council.example")
    make_action(owner, description="Lena's plan")
    make_action(make_user(), description="Other plan")
    page = page_of(client.get(f"/actions/all?owner={owner.id}"))
    assert "Lena&#39;s plan" in page and "Other plan" not in page
    # The box shows an address that finds the same person when the form is sent again.
    assert 'value="lena.park@council.example"' in page


def test_owner_filter_names_nobody_gives_a_govuk_error(client, signed_in, make_action):
    me = signed_in("qa_officer")
    make_action(me, description="Some action")
    page = page_of(client.get("/actions/all?owner=zzqx"))
    assert "<title>Error: All actions" in page
    assert "There is a problem" in page
    assert "No member of staff matches ‘zzqx’" in page
    assert 'href="#owner"' in page  # the summary links to the box
    assert "govuk-input--error" in page
    assert "Some action" not in page  # no list that ignores the filter the person asked for
    assert "Change the owner to see actions" in page


def test_owner_filter_names_several_people_offers_them(
    client, signed_in, make_user, make_team, make_action
):
    signed_in("qa_officer")
    team = make_team(name="Brambles")
    jo = make_user(first_name="Jo", last_name="Smith", team=team, job_title="Team manager")
    jon = make_user(first_name="Jon", last_name="Smithers")
    make_action(jo, description="Jo's review")
    make_action(jon, description="Jon's review")

    page = page_of(client.get("/actions/all?owner=smith&status=all"))
    assert "2 members of staff match ‘smith’" in page
    assert "Jo&#39;s review" not in page and "Jon&#39;s review" not in page
    assert "Team manager, Brambles" in page
    # Each person is a link that keeps the other filters and picks them by id.
    found = re.search(rf'href="([^"]*owner={jo.id}[^"]*)"', page)
    link = found.group(1).replace("&amp;", "&")
    assert "status=all" in link
    chosen = page_of(client.get(link))
    assert "Jo&#39;s review" in chosen and "Jon&#39;s review" not in chosen

    # A whole name that only one person has picks them, even though it is part of another's.
    make_user(first_name="Jo", last_name="Smithson")
    page = page_of(client.get("/actions/all?owner=Jo+Smith"))
    assert "Jo&#39;s review" in page and "There is a problem" not in page


def test_owner_filter_with_many_matches_asks_for_more(client, signed_in, make_user):
    signed_in("qa_officer")
    for n in range(7):
        make_user(first_name=f"Alex{n}", last_name="Jones")
    page = page_of(client.get("/actions/all?owner=jones"))
    assert "More than 5 members of staff match ‘jones’" in page
    assert page.count(": show their actions") == 5


def test_owner_filter_error_swaps_in_the_form_with_htmx(client, signed_in, make_user, make_action):
    signed_in("qa_officer")
    owner = make_user(first_name="Rita", last_name="Khan")
    make_action(owner, description="Rita's audit")
    hx = {"HX-Request": "true", "HX-Target": "results"}
    body = page_of(client.get("/actions/all?owner=nobody-here", headers=hx))
    assert "<html" not in body
    # The whole list, filters included, so the box shows its error and the summary its link.
    assert body.lstrip().startswith("<title>Error: All actions")
    assert "No member of staff matches ‘nobody-here’" in body
    assert 'hx-target="#actions-listing"' in body
    # Put right, the form (now aimed at the whole list) gets the filters back without the error.
    body = page_of(
        client.get(
            "/actions/all?owner=rita",
            headers={"HX-Request": "true", "HX-Target": "actions-listing"},
        )
    )
    assert "Rita&#39;s audit" in body and "There is a problem" not in body
    assert 'hx-target="#results"' in body
    # An ordinary filter change swaps only the results.
    body = page_of(client.get("/actions/all?owner=rita", headers=hx))
    assert "Rita&#39;s audit" in body and "<form" not in body


def test_owner_filter_in_team_actions_looks_only_in_the_teams(
    client, make_user, make_team, make_area, make_action
):
    area = make_area()
    mine = make_team(area=area)
    mate = make_user(first_name="Dana", last_name="Cole", team=mine)
    make_action(mate, description="Dana's task")
    outsider = make_user(first_name="Dana", last_name="Colefax", team=make_team())
    make_action(outsider, description="Colefax task")
    tm = make_user("team_manager", team=mine)
    sign_in(client, tm)
    page = page_of(client.get("/actions/team?owner=dana"))
    assert "Dana&#39;s task" in page and "There is a problem" not in page
    page = page_of(client.get("/actions/team?owner=colefax"))
    assert "No member of staff in these teams matches ‘colefax’" in page


def test_export_by_owner_names_them_in_the_summary(client, signed_in, make_user, make_action):
    signed_in("qa_officer")
    owner = make_user(first_name="Zara", last_name="Iqbal")
    make_action(owner, description="Zara's one")
    make_action(make_user(), description="Someone else's")
    response = client.get("/actions/all/export.xlsx?owner=zara+iqbal")
    workbook = load_workbook(io.BytesIO(response.data))
    assert [r[3] for r in workbook["Actions"].iter_rows(min_row=2, values_only=True)] == [
        "Zara's one"
    ]
    summary = dict(workbook["Summary"].iter_rows(values_only=True))
    assert summary["Filter: Owner"] == "Zara Iqbal"


def test_export_with_an_unresolved_owner_goes_back_to_the_list(client, signed_in):
    signed_in("qa_officer")
    response = client.get("/actions/all/export.xlsx?owner=nobody")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/actions/all?")
    assert "owner=nobody" in response.headers["Location"]


def test_bad_filter_values_are_ignored_not_a_500(client, signed_in):
    signed_in("qa_officer")
    for query in (
        "team=99999",
        "status=nonsense",
        "page=-4",
        "page=abc",
        "page=999999",
        "source=<script>",
        "q=%00",
        "owner=%00",
    ):
        assert client.get(f"/actions/all?{query}").status_code == 200, query
    # Owner text that names nobody is said so, never a 500, whatever the database's ids hold.
    for owner in ("abc", "2147483648", "99999999999", "9223372036854775808", "a%00b"):
        response = client.get(f"/actions/all?owner={owner}")
        assert response.status_code == 200, owner
        assert "No member of staff matches" in response.get_data(as_text=True), owner
        export = client.get(f"/actions/all/export.xlsx?owner={owner}")
        assert export.status_code == 302, owner
    # Too long to be a name: the error is shown, not every action in the council.
    page = client.get("/actions/all?owner=" + "a" * 300).get_data(as_text=True)
    assert "Owner must be 254 characters or fewer" in page
    assert 'id="actions-table"' not in page
    assert client.get("/actions/all/export.xlsx?owner=" + "a" * 300).status_code == 302


def test_list_is_paginated_fifty_a_page(client, signed_in, make_user, make_action):
    me = signed_in("qa_officer")
    owner = make_user()
    for i in range(55):
        make_action(owner, due_in_days=i, description=f"Numbered action {i:02d}")
    page = page_of(client.get("/actions/all"))
    assert "<strong>55</strong> actions" in page
    assert page.count('id="action-') == 50
    assert "Numbered action 00" in page and "Numbered action 50" not in page
    page2 = page_of(client.get("/actions/all?page=2"))
    assert page2.count('id="action-') == 5
    assert "Numbered action 54" in page2
    del me


def test_htmx_filter_returns_only_the_results_fragment(client, signed_in, make_action):
    me = signed_in("practitioner")
    make_action(me, description="Fragment action")
    response = client.get("/actions/mine?status=open", headers={"HX-Request": "true"})
    body = page_of(response)
    assert "<html" not in body
    assert "Fragment action" in body
    # A cache keeps the fragment and the whole list (asked for by its target) apart.
    assert {"HX-Request", "HX-Target"} <= set(response.headers["Vary"].split(", "))
    full = page_of(client.get("/actions/mine?status=open"))
    assert "<html" in full and "Fragment action" in full


def test_complete_in_place_with_htmx(client, signed_in, make_action):
    me = signed_in("practitioner")
    action = make_action(me, description="Finish the plan")
    hx = {"HX-Request": "true"}
    form = page_of(client.get(f"/actions/{action.id}/complete?in=row", headers=hx))
    assert "<html" not in form and "Evidence of completion" in form
    assert re.search(r"<legend[^>]*>\s*Date completed\s*</legend>", form)

    day = today_london()
    prefix = f"action-{action.id}-"  # each open row's fields have their own ids
    date_fields = {f"{prefix}completed_on": [str(day.day), str(day.month), str(day.year)]}
    # Missing evidence: the row comes back (200, so htmx swaps it) with the error.
    response = client.post(
        f"/actions/{action.id}/complete?in=row",
        data={**date_fields, f"{prefix}version": action.version},
        headers=hx,
    )
    body = page_of(response)
    assert "Enter the evidence that the action is complete" in body
    assert f'href="#{prefix}evidence"' in body
    assert db.session.get(Action, action.id).status == "open"

    response = client.post(
        f"/actions/{action.id}/complete?in=row",
        data={
            **date_fields,
            f"{prefix}version": action.version,
            f"{prefix}evidence": "Plan reviewed with family",
        },
        headers=hx,
    )
    body = page_of(response)
    assert "<html" not in body and "Completed" in body
    saved = db.session.get(Action, action.id)
    assert saved.status == "completed"
    assert saved.evidence == "Plan reviewed with family"
    assert saved.completed_by_id == me.id


def test_complete_without_javascript(client, signed_in, make_action):
    me = signed_in("practitioner")
    action = make_action(me)
    response = client.post(
        f"/actions/{action.id}/complete",
        data={"completed_on": ["31", "2", "2026"], "version": action.version, "evidence": "x"},
    )
    assert "Date completed must be a real date" in page_of(response)
    tomorrow = today_london() + timedelta(days=1)
    response = client.post(
        f"/actions/{action.id}/complete",
        data={
            "completed_on": [str(tomorrow.day), str(tomorrow.month), str(tomorrow.year)],
            "version": action.version,
            "evidence": "x",
        },
    )
    assert "must be today or in the past" in page_of(response)
    day = today_london()
    response = client.post(
        f"/actions/{action.id}/complete",
        data={
            "completed_on": [str(day.day), str(day.month), str(day.year)],
            "version": action.version,
            "evidence": "Done",
        },
        follow_redirects=True,
    )
    assert "marked as completed" in page_of(response)


def test_someone_else_cannot_complete_my_action(client, make_user, make_action):
    owner = make_user()
    action = make_action(owner)
    stranger = make_user()
    sign_in(client, stranger)
    assert client.get(f"/actions/{action.id}").status_code == 403
    assert client.post(f"/actions/{action.id}/complete", data={}).status_code == 403
    assert db.session.get(Action, action.id).status == "open"


def test_owners_team_manager_can_complete_and_sees_the_button(
    client, make_user, make_team, make_action
):
    team = make_team()
    action = make_action(make_user(team=team), description="Team member's action")
    manager = make_user("team_manager", team=team)
    sign_in(client, manager)
    page = page_of(client.get(f"/actions/{action.id}"))
    assert "Mark as completed" in page
    assert "Verify as complete" not in page and "Edit</a>" not in page


def test_stale_edit_is_refused_and_names_who_changed_it(client, make_user, make_action):
    officer = make_user("qa_officer", first_name="Quinn", last_name="Adebayo")
    other = make_user("qa_officer", first_name="Olive", last_name="Hart")
    action = make_action(make_user(), description="Original wording")
    old_version = action.version
    due = action.due_on

    form = {
        "version": old_version,
        "source_type": "qa_board",
        "source_label": "QA Board",
        "owner": action.owner_id,
        "due_on": [str(due.day), str(due.month), str(due.year)],
    }
    # Olive saves first.
    sign_in(client, other)
    response = client.post(
        f"/actions/{action.id}/edit", data={**form, "description": "Olive's wording"}
    )
    assert response.status_code == 302
    client.post("/sign-out")
    # Quinn saves from the copy he loaded before Olive's change.
    sign_in(client, officer)
    page = page_of(
        client.post(f"/actions/{action.id}/edit", data={**form, "description": "Quinn's wording"})
    )
    assert "Olive Hart changed this record" in page
    assert "have not been saved" in page
    assert "Olive&#39;s wording" in page  # what Olive saved is shown beside the form
    assert "Quinn&#39;s wording</textarea>" in page  # which keeps what Quinn typed
    assert db.session.get(Action, action.id).description == "Olive's wording"


def test_history_records_who_changed_what(client, signed_in, make_user, make_action):
    officer = signed_in("qa_officer", first_name="Quinn", last_name="Adebayo")
    action = make_action(make_user(), description="Before")
    due = action.due_on
    client.post(
        f"/actions/{action.id}/edit",
        data={
            "version": action.version,
            "source_type": "qa_board",
            "source_label": "",
            "owner": action.owner_id,
            "description": "After",
            "due_on": [str(due.day), str(due.month), str(due.year)],
        },
    )
    entries = list(
        db.session.scalars(
            select(ChangeLog)
            .where(ChangeLog.record_type == "action", ChangeLog.record_id == action.id)
            .order_by(ChangeLog.id)
        )
    )
    assert [e.action for e in entries] == ["created", "updated"]
    assert entries[1].changes["description"] == ["Before", "After"]
    assert entries[1].changed_by_id == officer.id
    page = page_of(client.get(f"/actions/{action.id}"))
    assert "History" in page and "Quinn Adebayo" in page and "Before → After" in page


def test_cancel_verify_and_reopen(client, signed_in, make_user, make_action):
    signed_in("qa_officer")
    action = make_action(make_user())
    page = page_of(
        client.post(f"/actions/{action.id}/cancel", data={"version": action.version, "reason": ""})
    )
    assert "Enter why the action is being cancelled" in page
    client.post(
        f"/actions/{action.id}/cancel",
        data={"version": action.version, "reason": "No longer needed"},
    )
    saved = db.session.get(Action, action.id)
    assert saved.status == "cancelled" and saved.cancelled_reason == "No longer needed"

    done = make_action(make_user(), status="completed")
    done.completed_on = today_london()
    db.session.commit()
    response = client.post(
        f"/actions/{done.id}/verify", data={"version": done.version}, follow_redirects=True
    )
    assert "verified as complete" in page_of(response)
    assert db.session.get(Action, done.id).verified_by_id is not None
    response = client.post(
        f"/actions/{done.id}/verify",
        data={"version": db.session.get(Action, done.id).version},
        follow_redirects=True,
    )
    assert "already been verified" in page_of(response)
    client.post(
        f"/actions/{done.id}/reopen", data={"version": db.session.get(Action, done.id).version}
    )
    assert db.session.get(Action, done.id).status == "open"


def test_raise_an_action_with_errors_then_saved(client, signed_in, make_user):
    signed_in("qa_officer")
    owner = make_user(first_name="Olu")
    page = page_of(client.post("/actions/new", data={"due_on": ["", "", ""]}))
    assert "Error: Raise an action - qaweb" in page
    for message in (
        "Select where the action was raised",
        "Enter what needs to be done",
        "Select who owns the action",
        "Enter the due date",
    ):
        assert message in page
    response = client.post(
        "/actions/new",
        data={
            "source_type": "qa_board",
            "source_label": "QA Board 1 December 2026",
            "description": "Review neglect cases",
            "owner": owner.id,
            "due_on": ["1", "2", "2027"],
        },
    )
    assert response.status_code == 302
    action = db.session.scalar(select(Action).where(Action.description == "Review neglect cases"))
    assert action.owner_id == owner.id and action.team_id == owner.team_id
    assert str(action.due_on) == "2027-02-01"


def test_overdue_is_computed_from_the_due_date(make_user, make_action):
    action = make_action(make_user(), due_in_days=-1)
    assert action.is_overdue() and action.days_overdue() == 1
    assert not action.is_overdue(today_london() - timedelta(days=5))
    assert "overdue" not in Action.__table__.c


def test_export_has_exactly_the_filtered_rows(client, signed_in, make_user, make_action):
    signed_in("qa_officer")
    owner = make_user(first_name="Zara", last_name="Iqbal")
    make_action(owner, due_in_days=-2, description='=HYPERLINK("http://evil")')
    make_action(owner, due_in_days=5, description="Not overdue")
    make_action(make_user(), due_in_days=-4, description="Another overdue")
    response = client.get("/actions/all/export.xlsx?overdue=y")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    workbook = load_workbook(io.BytesIO(response.data))
    sheet = workbook["Actions"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Reference", "Source", "Meeting or reference", "Action")
    assert len(rows) == 3  # header + the two overdue actions
    descriptions = {r[3] for r in rows[1:]}
    assert descriptions == {'=HYPERLINK("http://evil")', "Another overdue"}
    formula_cell = next(c for c in sheet["D"] if c.value and str(c.value).startswith("="))
    assert formula_cell.data_type == "s"  # text, never a formula
    assert sheet["A1"].font.bold
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:O3"
    due = sheet["H2"]
    assert due.is_date and due.value.date() == today_london() - timedelta(days=4)
    assert sheet["K2"].value == 4 and sheet["J2"].value == "Yes"
    # Sized from the content: the longest description (25 characters) and a character either
    # side, stored with Excel's cell padding (27.71 shows as 27 characters in Excel).
    assert int(sheet.column_dimensions["D"].width) == 27
    summary = dict(workbook["Summary"].iter_rows(values_only=True))
    assert summary["Actions"] == 2 and summary["Of which overdue"] == 2
    assert summary["Filter: Only overdue actions"] == "Yes"


def test_my_work_lists_open_actions_soonest_first(client, signed_in, make_action):
    me = signed_in("practitioner")
    make_action(me, due_in_days=20, description="Later one")
    make_action(me, due_in_days=-2, description="Overdue one")
    make_action(me, due_in_days=3, description="Soon one")
    make_action(me, due_in_days=1, description="Cancelled one", status="cancelled")
    page = page_of(client.get("/"))
    assert page.index("Overdue one") < page.index("Soon one") < page.index("Later one")
    assert "Cancelled one" not in page
    assert "Your open actions: <strong>3</strong>" in page


def test_my_work_lists_actions_to_verify_for_the_qa_team(client, signed_in, make_user, make_action):
    me = signed_in("qa_officer")
    owner = make_user(first_name="Olu", last_name="Ade")
    today = today_london()
    for days_ago, text in ((2, "Done two days ago"), (9, "Done nine days ago"), (5, "Done five")):
        make_action(
            owner,
            description=text,
            status="completed",
            completed_on=today - timedelta(days=days_ago),
        )
    make_action(
        owner,
        description="Already verified",
        status="completed",
        completed_on=today - timedelta(days=20),
        verified_by_id=me.id,
    )
    make_action(owner, description="Still open")
    page = page_of(client.get("/"))
    assert "Completed actions to verify: <strong>3</strong>" in page
    # The longest-waiting first; the verified one and the open one are not asked of the QA team.
    assert page.index("Done nine days ago") < page.index("Done five") < page.index("Done two days")
    assert "Already verified" not in page
    assert "completed by Olu Ade" in page


def test_a_post_without_the_version_is_refused_as_stale(client, signed_in, make_user, make_action):
    signed_in("qa_officer")
    action = make_action(make_user(), description="Keep me")
    due = action.due_on
    page = page_of(
        client.post(
            f"/actions/{action.id}/edit",
            data={
                "source_type": "qa_board",
                "owner": action.owner_id,
                "description": "Changed",
                "due_on": [str(due.day), str(due.month), str(due.year)],
            },
        )
    )
    assert "have not been saved" in page
    assert db.session.get(Action, action.id).description == "Keep me"


def test_completed_actions_cannot_be_edited(client, signed_in, make_user, make_action):
    signed_in("qa_officer")
    action = make_action(make_user(), status="completed")
    response = client.get(f"/actions/{action.id}/edit", follow_redirects=True)
    assert "cannot be edited" in page_of(response)


def test_search_treats_wildcards_literally(client, signed_in, make_user, make_action):
    signed_in("qa_officer")
    owner = make_user()
    make_action(owner, description="Reach 100% of visits")
    make_action(owner, description="Something else")
    page = page_of(client.get("/actions/all?q=%25"))
    assert "<strong>1</strong> action" in page and "Reach 100% of visits" in page
    page = page_of(client.get("/actions/all?q=_"))
    assert "<strong>0</strong> actions" in page


def test_date_errors_link_to_the_day_box(client, signed_in):
    signed_in("qa_officer")
    page = page_of(client.post("/actions/new", data={"due_on": ["40", "1", "2027"]}))
    assert "Due date must be a real date" in page
    assert 'href="#due_on-day"' in page


def test_an_action_one_day_overdue_says_day_in_the_singular(client, signed_in, make_action):
    me = signed_in("practitioner")
    one = make_action(me, due_in_days=-1)
    three = make_action(me, due_in_days=-3)
    assert "1 day overdue" in page_of(client.get(f"/actions/{one.id}"))
    assert "3 days overdue" in page_of(client.get(f"/actions/{three.id}"))

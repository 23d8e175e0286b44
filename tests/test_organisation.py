"""Organisation admin: service areas, teams, people, staff import and export, settings."""

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from support import (
    PASSWORD,
    csv_bytes,
    error_summary,
    error_summary_html,
    field_error,
    hidden_value,
    plain,
    sign_in,
    text,
    xlsx_bytes,
)

from qaweb.core.history import ChangeLog
from qaweb.core.permissions import ADMIN, ROLES
from qaweb.extensions import db
from qaweb.organisation.models import ServiceArea, Team, User
from qaweb.organisation.staff_import import StaffImport

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NON_ADMIN_ROLES = [role for role in ROLES if role != ADMIN]


# -- clients -----------------------------------------------------------------------------


@pytest.fixture
def new_client(app):
    """Another browser: ``other = new_client()``."""

    def make():
        return app.test_client()

    return make


@pytest.fixture
def admin(signed_in):
    return signed_in(ADMIN, first_name="Ada", last_name="Admin", job_title="Systems administrator")


# -- reading pages -----------------------------------------------------------------------


def page_title(page: str) -> str:
    match = re.search(r"<title[^>]*>(.*?)</title>", page, re.S)
    assert match, "page has no <title>"
    return " ".join(match.group(1).split())


def nav_labels(page: str) -> list[str]:
    nav = re.search(r'<ul class="govuk-service-navigation__list".*?</ul>', page, re.S)
    assert nav, "page has no service navigation"
    links = re.findall(
        r'<a class="govuk-service-navigation__link"[^>]*>(.*?)</a>', nav.group(0), re.S
    )
    return [" ".join(re.sub(r"<[^>]+>", " ", link).split()) for link in links]


def table_row(page: str, containing: str) -> str:
    """The text of the first table row that mentions ``containing``."""
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", page, re.S):
        plain = " ".join(re.sub(r"<[^>]+>", " ", row).split())
        if containing in plain:
            return plain
    raise AssertionError(f"no table row mentions {containing!r}")


def history_section(page: str) -> str:
    match = re.search(r'<section class="qaweb-history".*?</section>', page, re.S)
    assert match, "page has no History section"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(0)).split())


# -- reading the database ----------------------------------------------------------------


def fresh():
    db.session.expire_all()


def team_named(name: str) -> Team | None:
    fresh()
    return db.session.scalar(select(Team).where(Team.name == name))


def user_by_email(email: str) -> User | None:
    fresh()
    return db.session.scalar(select(User).where(User.email == email))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def history_rows(record) -> list[ChangeLog]:
    return list(
        db.session.scalars(
            select(ChangeLog)
            .where(ChangeLog.record_type == record.__tablename__, ChangeLog.record_id == record.id)
            .order_by(ChangeLog.id)
        )
    )


# -- form data ---------------------------------------------------------------------------


def team_data(name, area, paired=None, active=True, version=""):
    data = {
        "name": name,
        "service_area_id": str(area.id),
        "paired_team_id": str(paired.id) if paired else "",
        "version": str(version),
    }
    if active:
        data["active"] = "y"
    return data


def user_data(user: User, **changes):
    """The person's edit form as it loads, with ``changes`` made."""
    data = {
        "version": str(user.version),
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "job_title": user.job_title,
        "team_id": str(user.team_id or ""),
        "line_manager_id": str(user.line_manager_id or ""),
        "roles": sorted(user.roles),
        "active": "y" if user.active else None,
        "new_password": "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def new_user_data(**fields):
    data = {
        "version": "",
        "first_name": "Grace",
        "last_name": "Hopper",
        "email": "grace.hopper@council.example",
        "job_title": "Advanced Practitioner",
        "team_id": "",
        "line_manager_id": "",
        "roles": ["practitioner"],
        "active": "y",
        "new_password": "",
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


# -- 1. adding service areas, teams and people -------------------------------------------


def test_admin_adds_a_service_area_a_paired_team_and_a_person(client, admin, new_client, make_user):
    response = client.post(
        "/admin/service-areas/new", data={"name": "Children in Care", "active": "y", "version": ""}
    )
    assert response.status_code == 302
    areas_page = text(client.get("/admin/service-areas"))
    assert "Service area Children in Care saved." in areas_page
    assert table_row(areas_page, "Children in Care").endswith("In use Change Children in Care")
    area = db.session.scalar(select(ServiceArea).where(ServiceArea.name == "Children in Care"))
    assert area is not None and area.active

    response = client.post("/admin/teams/new", data=team_data("Fostering North", area))
    assert response.status_code == 302
    north = team_named("Fostering North")
    response = client.post("/admin/teams/new", data=team_data("Fostering South", area, north))
    assert response.status_code == 302
    south = team_named("Fostering South")
    assert south.service_area_id == area.id
    assert south.paired_team_id == north.id

    teams_page = text(client.get("/admin/teams"))
    assert "Team Fostering South saved." in teams_page
    assert table_row(teams_page, "Fostering South").startswith(
        "Fostering South Children in Care Fostering North In use"
    )
    assert table_row(teams_page, "Fostering North").startswith(
        "Fostering North Children in Care Not paired In use"
    )

    manager = make_user("team_manager", first_name="Mo", last_name="Manager", team=south)
    response = client.post(
        "/admin/users/new",
        data=new_user_data(
            email="Grace.Hopper@Council.example",
            team_id=str(south.id),
            line_manager_id=str(manager.id),
            roles=["practitioner", "observer"],
            new_password="a long enough password",
        ),
    )
    assert response.status_code == 302
    person = user_by_email("grace.hopper@council.example")
    assert person is not None, "the email is saved in lower case"
    assert response.headers["Location"].endswith(f"/admin/users/{person.id}")
    assert person.team_id == south.id
    assert person.line_manager_id == manager.id
    assert person.roles == {"practitioner", "observer"}
    assert person.active
    assert person.check_password("a long enough password")

    detail = text(client.get(f"/admin/users/{person.id}"))
    assert "Grace Hopper saved." in detail
    assert "Fostering South, Children in Care" in detail
    assert "Mo Manager" in detail
    history = history_section(detail)
    assert history.startswith("History")
    assert "Created" in history
    assert "Ada Admin" in history, "the history says who created the record"
    assert "Email: grace.hopper@council.example" in history
    assert "Team: Fostering South" in history, "teams are shown by name, not id"
    roles = re.search(r"Roles: ([A-Za-z ,]+?)(?= [A-Z][a-z ]*:|$)", history)
    assert roles and set(roles.group(1).split(", ")) == {"Practitioner", "Observer"}
    assert "Password hash: (hidden)" in history, "the password hash is never shown"

    staff_page = text(client.get("/admin/users"))
    assert table_row(staff_page, "Grace Hopper") == (
        "Grace Hopper Advanced Practitioner Fostering South Practitioner, Observer Active"
    )

    # A signed-in admin's new person can sign in with the password that was set.
    other = new_client()
    assert (
        other.post(
            "/sign-in",
            data={"email": "grace.hopper@council.example", "password": "a long enough password"},
        ).status_code
        == 302
    )


# -- 2. validation -----------------------------------------------------------------------


def test_team_without_a_name_is_refused_in_the_govuk_way(client, admin, make_area):
    area = make_area()
    before = count(Team)
    response = client.post("/admin/teams/new", data=team_data("   ", area))
    assert response.status_code == 200
    page = text(response)
    assert page_title(page).startswith("Error: ")
    assert page_title(page) == "Error: Add a team - qaweb"
    assert "Enter the name of the team" in error_summary_html(page)
    assert 'href="#name"' in error_summary_html(page), "the summary links to the field"
    assert "govuk-form-group--error" in page
    assert count(Team) == before


def test_a_valid_team_page_has_no_error_title(client, admin):
    page = text(client.get("/admin/teams/new"))
    assert page_title(page) == "Add a team - qaweb"
    assert "Enter the name of the team" not in page


def test_a_team_cannot_be_paired_with_itself(client, admin, make_team):
    team = make_team("Leaving Care")
    form_page = text(client.get(f"/admin/teams/{team.id}/edit"))
    pairs = re.search(r'<select[^>]*name="paired_team_id".*?</select>', form_page, re.S).group(0)
    assert "Not paired" in pairs
    assert f'<option value="{team.id}"' not in pairs, "the team is not offered as its own pair"

    # A crafted request pairing it with itself anyway is refused, on the pairing field.
    response = client.post(
        f"/admin/teams/{team.id}/edit",
        data=team_data("Leaving Care", team.service_area, team, version=team.version),
    )
    assert response.status_code == 200
    page = text(response)
    assert page_title(page).startswith("Error: ")
    summary = error_summary_html(page)
    assert 'href="#paired_team_id"' in summary
    # The app's own message, "A team cannot be paired with itself", is raised but never shown:
    # the field's first error, "Select one of the options", is the one displayed.
    assert "Select one of the options" in summary
    assert team_named("Leaving Care").paired_team_id is None
    assert team_named("Leaving Care").version == team.version


def test_a_team_cannot_take_another_teams_name_whatever_the_case(client, admin, make_team):
    existing = make_team("Fostering North")
    before = count(Team)
    response = client.post(
        "/admin/teams/new", data=team_data("fostering NORTH", existing.service_area)
    )
    assert response.status_code == 200
    page = text(response)
    assert page_title(page).startswith("Error: ")
    assert "There is already a team with this name" in error_summary_html(page)
    assert count(Team) == before
    assert (
        db.session.scalar(select(func.count()).where(func.lower(Team.name) == "fostering north"))
        == 1
    )

    # Renaming another team to the same name is refused too, and that team keeps its name.
    other = make_team("Fostering South", area=existing.service_area)
    response = client.post(
        f"/admin/teams/{other.id}/edit",
        data=team_data("FOSTERING north", other.service_area, version=other.version),
    )
    assert "There is already a team with this name" in text(response)
    assert team_named("Fostering South") is not None


def test_person_with_a_badly_formed_email_is_refused(client, admin):
    before = count(User)
    response = client.post("/admin/users/new", data=new_user_data(email="grace.hopper@council"))
    assert response.status_code == 200
    page = text(response)
    assert page_title(page).startswith("Error: ")
    assert "Enter an email address in the correct format" in error_summary_html(page)
    assert count(User) == before


def test_person_without_a_role_is_refused(client, admin):
    before = count(User)
    response = client.post("/admin/users/new", data=new_user_data(roles=None))
    assert response.status_code == 200
    assert "Select at least one role" in error_summary_html(text(response))
    assert count(User) == before


def test_two_people_cannot_share_an_email(client, admin, make_user):
    make_user(email="taken@council.example", first_name="First")
    before = count(User)
    response = client.post("/admin/users/new", data=new_user_data(email="TAKEN@council.example"))
    assert response.status_code == 200
    page = text(response)
    assert page_title(page).startswith("Error: ")
    assert "Someone already has this email address" in error_summary_html(page)
    assert count(User) == before

    # Changing someone else's email to it is refused as well.
    other = make_user(email="other@council.example")
    response = client.post(
        f"/admin/users/{other.id}/edit", data=user_data(other, email="taken@council.example")
    )
    assert "Someone already has this email address" in text(response)
    assert user_by_email("other@council.example") is not None


# -- 3. two people editing one record ----------------------------------------------------


def test_a_stale_team_edit_is_refused_and_keeps_the_other_change(
    client, admin, new_client, make_user, make_team
):
    team = make_team("Fostering North")
    form_page = text(client.get(f"/admin/teams/{team.id}/edit"))
    loaded_version = hidden_value(form_page, "version")
    assert loaded_version == str(team.version)

    # Meanwhile a second administrator renames the team.
    colleague = make_user(ADMIN, first_name="Bola", last_name="Second")
    other = new_client()
    sign_in(other, colleague)
    other_form = text(other.get(f"/admin/teams/{team.id}/edit"))
    response = other.post(
        f"/admin/teams/{team.id}/edit",
        data=team_data(
            "Fostering East", team.service_area, version=hidden_value(other_form, "version")
        ),
    )
    assert response.status_code == 302

    # The first administrator saves from the form they loaded earlier.
    response = client.post(
        f"/admin/teams/{team.id}/edit",
        data=team_data("Fostering West", team.service_area, version=loaded_version),
    )
    assert response.status_code == 200
    page = text(response)
    assert page_title(page) == "Error: Change team - qaweb"
    summary = error_summary_html(page)
    assert "Bola Second changed this record" in summary
    assert "have not been saved" in summary
    assert team_named("Fostering East") is not None
    assert team_named("Fostering West") is None
    # The form keeps what this administrator typed, shows what the other saved, and carries
    # the current version, so saving again is possible.
    assert 'value="Fostering West"' in page and "Fostering East" in page
    assert hidden_value(page, "version") == str(team_named("Fostering East").version)
    assert hidden_value(page, "version") != loaded_version


def test_a_change_of_roles_alone_makes_an_older_form_stale(client, admin, new_client, make_user):
    person = make_user("practitioner", first_name="Rae", last_name="Riley")
    loaded = user_data(person)  # the first administrator opens the edit form

    colleague = make_user(ADMIN, first_name="Bola", last_name="Second")
    other = new_client()
    sign_in(other, colleague)
    response = other.post(
        f"/admin/users/{person.id}/edit",
        data=user_data(person, roles=["practitioner", "team_manager"]),
    )
    assert response.status_code == 302

    response = client.post(
        f"/admin/users/{person.id}/edit", data={**loaded, "job_title": "Senior Social Worker"}
    )
    assert response.status_code == 200
    assert "Bola Second changed this record" in error_summary_html(text(response))
    saved = user_by_email(person.email)
    assert saved.roles == {"practitioner", "team_manager"}, "the other change is kept"
    assert saved.job_title == "Social Worker"


# -- 4. deactivating someone -------------------------------------------------------------


def test_a_deactivated_person_cannot_sign_in(client, admin, new_client, make_user):
    person = make_user("practitioner", first_name="Lee", last_name="Leaver")
    theirs = new_client()
    sign_in(theirs, person)  # they can sign in while active
    assert theirs.get("/").status_code == 200

    response = client.post(f"/admin/users/{person.id}/edit", data=user_data(person, active=None))
    assert response.status_code == 302
    assert user_by_email(person.email).active is False
    detail = text(client.get(f"/admin/users/{person.id}"))
    assert "Deactivated: this person cannot sign in." in detail
    assert "No: deactivated" in detail

    # Someone signed in when deactivated is turned away at their next page.
    response = theirs.get("/")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]

    response = theirs.post("/sign-in", data={"email": person.email, "password": PASSWORD})
    assert response.status_code == 200
    page = text(response)
    assert "This account has been deactivated" in error_summary_html(page)
    assert page_title(page) == "Error: Sign in - qaweb"
    assert theirs.get("/").status_code == 302, "they are still signed out"

    # They leave the active staff list, and appear under Deactivated.
    assert "Lee Leaver" not in text(client.get("/admin/users"))
    assert "Lee Leaver" in text(client.get("/admin/users?status=inactive"))


# -- 5. roles in the history -------------------------------------------------------------


def test_changing_roles_is_recorded_in_the_history(client, admin, make_user):
    person = make_user("practitioner", first_name="Rae", last_name="Riley")
    response = client.post(
        f"/admin/users/{person.id}/edit",
        data=user_data(person, roles=["practitioner", "team_manager"]),
    )
    assert response.status_code == 302
    fresh()
    assert person.roles == {"practitioner", "team_manager"}

    updates = [row for row in history_rows(person) if row.action == "updated"]
    assert len(updates) == 1
    assert updates[0].changes["roles"] == [["practitioner"], ["practitioner", "team_manager"]]
    assert updates[0].changed_by_name == "Ada Admin"

    history = history_section(text(client.get(f"/admin/users/{person.id}")))
    assert "Updated" in history
    assert "Roles: Practitioner → Practitioner, Team manager" in history


# -- 6. staff import ---------------------------------------------------------------------


def upload(client, filename: str, data: bytes):
    return client.post(
        "/admin/users/import",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def test_a_staff_list_with_a_very_long_file_name_is_kept_for_the_preview(client, admin, make_team):
    # A browser may send a name longer than the 255 characters the import keeps of it.
    make_team("Fostering North")
    data = csv_bytes(
        [
            ["Email", "First name", "Last name", "Team"],
            ["nia.okafor@council.example", "Nia", "Okafor", "Fostering North"],
        ]
    )
    response = upload(client, "staff " * 60 + ".csv", data)
    assert response.status_code == 302
    preview = text(client.get(response.headers["Location"]))
    assert "nia.okafor@council.example" in preview


def test_staff_import_lists_every_problem_and_imports_nothing(client, admin, make_team):
    make_team("Fostering North")
    data = csv_bytes(
        [
            ["Email", "First name", "Last name", "Team", "Roles"],
            ["", "Nia", "Okafor", "Fostering North", ""],
            ["sam.lee@council.example", "Sam", "Lee", "Nowhere Team", ""],
            ["dup@council.example", "Dee", "One", "Fostering North", ""],
            ["dup@council.example", "Dee", "Two", "Fostering North", ""],
            ["ola.ade@council.example", "Ola", "Ade", "Fostering North", "Practitioner; Wizard"],
            ["fine@council.example", "Fi", "Ne", "Fostering North", "Observer"],
        ]
    )
    users_before = count(User)
    response = upload(client, "staff.csv", data)
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    page = text(client.get(preview_url))

    assert page_title(page).startswith("Error: ")
    summary = error_summary_html(page)
    assert "5 rows have problems: nothing has been imported" in summary
    assert "Row 2: Email is missing" in summary
    assert "Row 3: Team 'Nowhere Team' is not a team in qaweb: add it first" in summary
    assert "Row 4: Email dup@council.example appears more than once in the file" in summary
    assert "Row 5: Email dup@council.example appears more than once in the file" in summary
    assert "Row 6: Unknown role: Wizard" in summary
    assert "Row 7" not in summary
    assert "6 rows: 1 new, 0 to update, 0 unchanged, 5 with problems ." in plain(page)
    assert "Import staff" not in page, "there is no button to confirm a file with problems"
    assert count(User) == users_before

    # Posting the confirmation anyway saves nothing either.
    response = client.post(preview_url)
    assert response.status_code == 200
    assert "nothing has been imported" in text(response)
    assert count(User) == users_before
    assert user_by_email("fine@council.example") is None


def staff_rows():
    return [
        [
            "Email",
            "First name",
            "Last name",
            "Team",
            "Job title",
            "Line manager email",
            "Roles",
            "Active",
        ],
        [
            "Kemi.Adams@Council.example",
            "Kemi",
            "Adams",
            "fostering north",
            "Team Manager",
            "boss@council.example",
            "Team manager; Observer",
            "Yes",
        ],
        [
            "li.wei@council.example",
            "Li",
            "Wei",
            "Fostering North",
            "Social Worker",
            "kemi.adams@council.example",
            "practitioner",
            "Yes",
        ],
        [
            "rob.hart@council.example",
            "Rob",
            "Hart",
            "Fostering South",
            "Senior Practitioner",
            "",
            "",
            "",
        ],
    ]


@pytest.fixture
def import_setup(make_team, make_user):
    north = make_team("Fostering North")
    south = make_team("Fostering South", area=north.service_area)
    boss = make_user("service_manager", email="boss@council.example", first_name="Bo")
    return north, south, boss


def test_staff_import_from_xlsx_previews_then_saves(client, admin, import_setup):
    north, south, boss = import_setup
    users_before = count(User)
    response = upload(client, "staff.xlsx", xlsx_bytes(staff_rows()))
    assert response.status_code == 302
    preview_url = response.headers["Location"]

    page = text(client.get(preview_url))
    assert page_title(page) == "Check the staff list - qaweb"
    assert "staff.xlsx" in page
    assert "3 rows: 3 new, 0 to update, 0 unchanged." in plain(page)
    assert table_row(page, "Kemi Adams").endswith("New")
    assert table_row(page, "Li Wei").endswith("New")
    assert table_row(page, "Rob Hart").endswith("New")
    assert "Import staff" in page
    assert count(User) == users_before, "nothing is saved before confirming"

    response = client.post(preview_url)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/users")
    staff_page = text(client.get("/admin/users"))
    assert "Staff imported: 3 added, 0 updated, 0 unchanged." in staff_page
    assert count(User) == users_before + 3

    kemi = user_by_email("kemi.adams@council.example")
    li = user_by_email("li.wei@council.example")
    rob = user_by_email("rob.hart@council.example")
    assert (kemi.first_name, kemi.last_name, kemi.job_title) == ("Kemi", "Adams", "Team Manager")
    assert kemi.team_id == north.id
    assert kemi.roles == {"team_manager", "observer"}
    assert kemi.line_manager_id == boss.id
    assert li.team_id == north.id
    assert li.roles == {"practitioner"}
    assert li.line_manager_id == kemi.id
    assert rob.team_id == south.id
    assert rob.roles == {"practitioner"}, "a blank Roles cell makes a practitioner"
    assert rob.line_manager_id is None
    assert all(p.active for p in (kemi, li, rob))
    assert kemi.password_hash is None, "new people cannot sign in until given a password"

    # The staged file now says it was imported, and cannot be confirmed twice.
    page = text(client.get(preview_url))
    assert "This file was imported at" in page
    assert "Import staff" not in page
    client.post(preview_url)
    assert count(User) == users_before + 3


def test_importing_the_same_file_again_changes_nothing(client, admin, import_setup):
    data = xlsx_bytes(staff_rows())
    first = upload(client, "staff.xlsx", data).headers["Location"]
    assert client.post(first).status_code == 302

    users_before = count(User)
    log_before = count(ChangeLog)
    versions_before = {u.email: u.version for u in db.session.scalars(select(User))}

    response = upload(client, "staff.xlsx", data)
    again = response.headers["Location"]
    assert again != first
    page = text(client.get(again))
    assert "3 rows: 0 new, 0 to update, 3 unchanged." in plain(page)
    for name in ("Kemi Adams", "Li Wei", "Rob Hart"):
        assert table_row(page, name).endswith("No change")
    assert ">New<" not in page and ">Update<" not in page

    response = client.post(again)
    assert response.status_code == 302
    assert "Staff imported: 0 added, 0 updated, 3 unchanged." in text(client.get("/admin/users"))
    assert count(User) == users_before
    assert count(ChangeLog) == log_before
    fresh()
    assert {u.email: u.version for u in db.session.scalars(select(User))} == versions_before


def test_import_shows_what_will_change_for_people_already_in_qaweb(client, admin, import_setup):
    north, south, boss = import_setup
    first = upload(client, "staff.xlsx", xlsx_bytes(staff_rows())).headers["Location"]
    assert client.post(first).status_code == 302
    rows = staff_rows()
    rows[2][3] = "Fostering South"  # Li moves team
    rows[3][7] = "No"  # Rob has left

    page = text(client.get(upload(client, "staff.xlsx", xlsx_bytes(rows)).headers["Location"]))
    assert "3 rows: 0 new, 2 to update, 1 unchanged." in plain(page)
    assert table_row(page, "Li Wei").endswith("Update Team")
    assert table_row(page, "Rob Hart").endswith("Update Active")
    assert table_row(page, "Kemi Adams").endswith("No change")


def test_import_without_the_optional_columns_keeps_those_details(
    client, admin, import_setup, make_user
):
    north, south, boss = import_setup
    person = make_user(
        "team_manager",
        "observer",
        team=north,
        email="kept@council.example",
        first_name="Kit",
        last_name="Kept",
        job_title="Team Manager",
        line_manager=boss,
    )
    data = csv_bytes(
        [
            ["Email", "First name", "Last name", "Team"],
            ["kept@council.example", "Kit", "Kept", "Fostering South"],
        ]
    )
    preview_url = upload(client, "staff.csv", data).headers["Location"]
    page = text(client.get(preview_url))
    assert table_row(page, "Kit Kept").endswith("Update Team")
    assert client.post(preview_url).status_code == 302

    saved = user_by_email("kept@council.example")
    assert saved.id == person.id
    assert saved.team_id == south.id
    assert saved.job_title == "Team Manager"
    assert saved.line_manager_id == boss.id
    assert saved.roles == {"team_manager", "observer"}
    assert saved.active


def test_import_file_without_a_required_column_is_refused(client, admin):
    data = csv_bytes([["Email", "First name", "Surname"], ["a@council.example", "A", "B"]])
    staged_before = count(StaffImport)
    response = upload(client, "staff.csv", data)
    assert response.status_code == 200
    page = text(response)
    assert page_title(page).startswith("Error: ")
    assert "The first row must name the columns. Missing: Last name, Team" in error_summary(page)
    assert count(StaffImport) == staged_before


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        (
            "staff.txt",
            b"Email,First name,Last name,Team\n",
            "The staff list must be an .xlsx or .csv file",
        ),
        ("staff.pdf", b"%PDF-1.4", "The staff list must be an .xlsx or .csv file"),
        (
            "staff.xlsx",
            b"this is not a workbook",
            "The file could not be read: check it is a real .xlsx file",
        ),
        ("staff.csv", "Email,Prénom\n".encode("latin-1"), "The .csv file must be saved as UTF-8"),
        ("staff.csv", b"", "The file is empty"),
    ],
)
def test_import_refuses_files_it_cannot_read(client, admin, filename, data, message):
    staged_before = count(StaffImport)
    response = upload(client, filename, data)
    assert response.status_code == 200
    page = text(response)
    assert page_title(page) == "Error: Import staff - qaweb"
    assert message in error_summary_html(page)
    assert count(StaffImport) == staged_before


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("staff.csv", b"Email,First name,Last name,Team\r\n"),
        ("staff.csv", b"Email,First name,Last name,Team\r\n,,,\r\n\r\n"),
        ("staff.xlsx", xlsx_bytes([["Email", "First name", "Last name", "Team", "Roles"]])),
    ],
)
def test_a_staff_list_of_its_header_row_alone_is_refused_on_the_upload_page(
    client, admin, filename, data
):
    """The template uploaded as downloaded was previewed as "0 rows" with the Import button."""
    staged_before = count(StaffImport)
    response = upload(client, filename, data)
    assert response.status_code == 200
    page = text(response)
    assert page_title(page) == "Error: Import staff - qaweb"
    message = "The file has no rows under its header row. Add the rows and upload the file again"
    assert message in error_summary(page)
    assert message in field_error(page, "file")
    assert 'href="#file"' in error_summary_html(page)
    assert not re.search(r"<button[^>]*>\s*Import staff\s*</button>", page)
    assert "0 rows" not in plain(page)
    assert count(StaffImport) == staged_before


def test_import_without_a_file_asks_for_one(client, admin):
    response = client.post("/admin/users/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 200
    assert "Select a staff list file" in error_summary_html(text(response))


# -- 7. who may use admin ----------------------------------------------------------------

ADMIN_PAGES = [
    "/admin/",
    "/admin/users",
    "/admin/users/new",
    "/admin/users/import",
    "/admin/users/export.xlsx",
    "/admin/teams",
    "/admin/teams/new",
    "/admin/service-areas",
    "/admin/settings",
]


@pytest.mark.parametrize("role", NON_ADMIN_ROLES)
def test_other_roles_cannot_use_admin_or_see_it(client, signed_in, role):
    signed_in(role)
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert "You do not have permission to see this page" in text(response)
    for url in ADMIN_PAGES:
        assert client.get(url).status_code == 403, url
    response = client.post("/admin/settings", data={"council_name": "Hijacked", "version": ""})
    assert response.status_code == 403
    home = text(client.get("/"))
    assert "Hijacked" not in home
    labels = nav_labels(home)
    assert "My work" in labels
    assert "Admin" not in labels


def test_someone_with_admin_among_other_roles_sees_admin(client, signed_in):
    signed_in("practitioner", ADMIN)
    home = text(client.get("/"))
    assert "Admin" in nav_labels(home)
    for url in ADMIN_PAGES:
        assert client.get(url).status_code == 200, url


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


# -- 8. staff export ---------------------------------------------------------------------


def test_staff_export_is_a_formatted_workbook_of_the_filtered_list(
    client, admin, make_team, make_user
):
    north = make_team("Fostering North")
    south = make_team("Fostering South", area=north.service_area)
    boss = make_user(
        "team_manager",
        team=north,
        first_name="Nadia",
        last_name="Boss",
        email="nadia.boss@council.example",
    )
    make_user(
        "practitioner",
        "observer",
        team=north,
        first_name="Abi",
        last_name="Able",
        email="abi.able@council.example",
        line_manager=boss,
    )
    make_user(team=north, first_name="Gone", last_name="Away", active=False)
    make_user(team=south, first_name="Sol", last_name="South")

    staff_page = text(client.get(f"/admin/users?team={north.id}"))
    assert "2 people" in plain(staff_page)
    export_link = re.search(r'href="([^"]*export\.xlsx[^"]*)"', staff_page).group(1)
    assert f"team={north.id}" in export_link, "the export link keeps the filter"

    response = client.get(export_link)
    assert response.status_code == 200
    assert response.mimetype == XLSX
    assert "staff.xlsx" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active

    header = [cell.value for cell in sheet[1]]
    assert header == [
        "First name",
        "Last name",
        "Email",
        "Job title",
        "Team",
        "Service area",
        "Line manager email",
        "Roles",
        "Active",
        "Last signed in",
    ]
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:J3"

    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert [row[:2] for row in rows] == [["Abi", "Able"], ["Nadia", "Boss"]]
    abi = rows[0]
    assert abi[2] == "abi.able@council.example"
    assert abi[4] == "Fostering North"
    assert abi[5] == north.service_area.name
    assert abi[6] == "nadia.boss@council.example"
    assert abi[7] == "Practitioner; Observer"
    assert abi[8] == "Yes"
    # The names listed on the page are the people in the file.
    for first, last in (row[:2] for row in rows):
        assert f"{first} {last}" in staff_page
    assert "Sol South" not in staff_page and "Gone Away" not in staff_page


def test_staff_export_writes_formula_like_text_as_text(client, admin, make_user):
    make_user(first_name='=HYPERLINK("http://evil.example")', last_name="Zed")
    response = client.get("/admin/users/export.xlsx?q=Zed")
    sheet = load_workbook(io.BytesIO(response.data)).active
    cell = sheet["A2"]
    assert cell.value == '=HYPERLINK("http://evil.example")'
    assert cell.data_type == "s"


# -- 9. settings -------------------------------------------------------------------------


def test_admin_changes_the_council_name_shown_in_the_header(client, admin):
    assert "Wokingham Borough Council" not in text(client.get("/"))
    form = text(client.get("/admin/settings"))
    response = client.post(
        "/admin/settings",
        data={
            "council_name": "Wokingham Borough Council",
            "version": hidden_value(form, "version"),
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/settings")
    form = text(client.get("/admin/settings"))
    assert "Settings saved." in form
    header = re.search(r"<header.*?</header>", text(client.get("/")), re.S).group(0)
    assert "Wokingham Borough Council" in header

    # And again, now that the setting is stored.
    form = text(client.get("/admin/settings"))
    assert 'value="Wokingham Borough Council"' in form
    response = client.post(
        "/admin/settings",
        data={"council_name": "Reading Borough Council", "version": hidden_value(form, "version")},
    )
    assert response.status_code == 302
    header = re.search(r"<header.*?</header>", text(client.get("/")), re.S).group(0)
    assert "Reading Borough Council" in header
    assert "Wokingham" not in header
    # The history names each setting by its label, never by its key.
    history = text(client.get("/admin/settings")).split('id="history-heading"')[1]
    assert "Council name: Wokingham Borough Council → Reading Borough Council" in history
    assert "Supervision-audit year starts in: " in history
    assert "council_name" not in history and "supervision_year_start_month" not in history


def test_council_name_is_required(client, admin):
    response = client.post("/admin/settings", data={"council_name": " ", "version": ""})
    assert response.status_code == 200
    page = text(response)
    assert page_title(page) == "Error: Settings - qaweb"
    assert "Enter the council's name" in error_summary_html(page)

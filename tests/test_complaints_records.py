"""Complaints: pages with complainants' details are never cached; a change of categories is
in the complaint's history."""

from datetime import date

from sqlalchemy import select

from qaweb.complaints import services
from qaweb.complaints.models import CategoryOption, Complaint
from qaweb.extensions import db


def _category(name):
    return db.session.scalar(select(CategoryOption).where(CategoryOption.name == name))


def _complaint(*categories):
    complaint = Complaint(
        received_on=date(2026, 11, 2),
        received_how="email",
        complainant_type="parent",
        complainant_name="Jo Bloggs",
        complainant_contact="jo@example.org",
        summary="Visits missed",
    )
    complaint.set_categories([_category(n) for n in categories])
    services.open_complaint(complaint, None)
    db.session.commit()
    return complaint


def test_pages_with_complainants_details_are_not_stored(client, signed_in):
    signed_in("complaints_officer")
    complaint = _complaint("Delay")
    for url in (
        "/complaints/",
        f"/complaints/{complaint.id}",
        f"/complaints/{complaint.id}/edit",
        "/complaints/new",
        "/complaints/export.xlsx",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url
    page = client.get(f"/complaints/{complaint.id}").get_data(as_text=True)
    assert "Jo Bloggs" in page  # (the page these headers protect)


def test_other_pages_may_still_be_cached_as_before(client, signed_in):
    signed_in("complaints_officer")
    assert "no-store" not in client.get("/actions/mine").headers.get("Cache-Control", "")


def test_changing_categories_appears_in_the_history(client, signed_in):
    signed_in("complaints_officer", first_name="Carys", last_name="Morgan")
    complaint = _complaint("Delay")
    data = {
        "version": complaint.version,
        "received_on": ["2", "11", "2026"],
        "received_how": "email",
        "complainant_type": "parent",
        "complainant_name": "Jo Bloggs",
        "categories": [_category("Communication").id, _category("Delay").id],
        "summary": "Visits missed",
        "procedure": "statutory",
    }
    response = client.post(f"/complaints/{complaint.id}/edit", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    page = client.get(f"/complaints/{complaint.id}").get_data(as_text=True)
    assert "Categories" in page
    assert "Communication, Delay" in page
    assert "Carys Morgan" in page
    db.session.expire_all()
    assert complaint.version == 2  # a stale copy cannot put the old categories back
    # A save that leaves the categories as they were adds no categories entry.
    data["version"] = 2
    data["summary"] = "Visits missed since September"
    assert client.post(f"/complaints/{complaint.id}/edit", data=data).status_code == 302
    from qaweb.core.history import history_for

    entries = history_for(db.session, complaint)
    assert [("categories" in e.changes) for e in entries] == [False, True, True]
    assert entries[1].changes["categories"] == [["Delay"], ["Communication", "Delay"]]

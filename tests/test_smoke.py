from support import sign_in


def test_sign_in_then_my_work(client, make_user, make_action):
    user = make_user("practitioner", first_name="Amira")
    make_action(user, description="Update the chronology")
    sign_in(client, user)
    page = client.get("/").get_data(as_text=True)
    assert "My work" in page
    assert "Update the chronology" in page

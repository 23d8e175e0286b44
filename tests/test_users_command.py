"""``flask users create-admin``: the first administrator of a fresh database."""

from sqlalchemy import func, select

from qaweb.extensions import db
from qaweb.organisation.models import User

GOOD = "tea kettle lighthouse"


def _person(email):
    return db.session.scalar(select(User).where(func.lower(User.email) == email))


def test_prompts_for_everything_and_the_admin_can_sign_in(runner, client):
    result = runner.invoke(
        args=["users", "create-admin"],
        input=f"Ada.Admin@Council.example\nAda\nAdmin\n{GOOD}\n{GOOD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "Added Ada Admin (ada.admin@council.example) as an administrator" in result.output
    assert GOOD not in result.output  # typed unseen
    user = _person("ada.admin@council.example")
    assert user.roles == {"admin"} and user.active
    response = client.post("/sign-in", data={"email": user.email, "password": GOOD})
    assert response.status_code == 302
    assert client.get("/admin/users").status_code == 200


def test_reads_the_password_from_stdin(runner):
    result = runner.invoke(
        args=[
            "users",
            "create-admin",
            "--email",
            "ops@council.example",
            "--first-name",
            "Olu",
            "--last-name",
            "Ops",
            "--password-stdin",
        ],
        input=f"{GOOD}\n",
    )
    assert result.exit_code == 0, result.output
    assert _person("ops@council.example").check_password(GOOD)


def test_the_two_passwords_must_match(runner):
    result = runner.invoke(
        args=["users", "create-admin", "--email", "a@council.example"],
        input=f"A\nB\n{GOOD}\nsomething else entirely\n{GOOD}\n{GOOD}\n",
    )
    assert "do not match" in result.output
    assert result.exit_code == 0


def test_a_weak_password_is_refused_and_nobody_is_added(runner):
    for weak, message in [
        ("short one", "Password must be 12 characters or more"),
        ("password1234", "Password is too easy to guess"),
        ("aaaaaaaaaaaaaa", "Password is too easy to guess"),
    ]:
        result = runner.invoke(
            args=[
                "users",
                "create-admin",
                "--email",
                "weak@council.example",
                "--first-name",
                "W",
                "--last-name",
                "K",
                "--password-stdin",
            ],
            input=f"{weak}\n",
        )
        assert result.exit_code != 0
        assert message in result.output
        assert "Nobody was added" in result.output
    assert _person("weak@council.example") is None


def test_an_email_already_in_use_or_malformed_is_refused(runner, make_user):
    existing = make_user(email="taken@council.example")
    for email, message in [
        (existing.email.upper(), "already has an account"),
        ("not-an-email", "correct format"),
    ]:
        result = runner.invoke(
            args=["users", "create-admin", "--email", email, "--password-stdin"],
            input=f"{GOOD}\n",
        )
        assert result.exit_code != 0
        assert message in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_change_password_refuses_a_common_password_too(client, make_user):
    from support import PASSWORD, sign_in

    sign_in(client, make_user())
    page = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "password1234",
            "confirm_password": "password1234",
        },
    ).get_data(as_text=True)
    assert "Password is too easy to guess" in page

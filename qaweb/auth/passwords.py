"""The password rule, one place for the first administrator (``flask users create-admin``),
a person changing their own password and an administrator setting one.

OWASP ASVS 2.1.1 (at least 12 characters) and 2.1.7 (refuse passwords known to be common).
Passwords set before the rule still sign in; the rule applies when one is set."""

MIN_PASSWORD = 12

# Common passwords of 12 characters or more in public breach lists, and the ones
# staff are most likely to try for this service. Compared ignoring case and spaces.
COMMON_PASSWORDS = frozenset(
    {
        "123456789012",
        "1234567890123",
        "abc123456789",
        "abcdefghijkl",
        "qwertyuiop12",
        "qwertyuiop123",
        "password12345",
        "password123456",
        "passwordpassword",
        "iloveyou1234",
        "letmein12345",
        "welcome12345",
        "changeme1234",
        "1qaz2wsx3edc",
        "qwerty123456",
        "password1234",
        "administrator",
        "childrensservices",
        "socialworker",
    }
)


def password_problem(password: str) -> str | None:
    """The GOV.UK-style error message for a password qaweb refuses, or None when it will do."""
    if len(password or "") < MIN_PASSWORD:
        return f"Password must be {MIN_PASSWORD} characters or more"
    squashed = "".join(password.split()).lower()
    if squashed in COMMON_PASSWORDS or len(set(squashed)) < 4:
        return "Password is too easy to guess. A few unrelated words work well"
    return None

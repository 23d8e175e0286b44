"""Security headers on every response, and pages the Content-Security-Policy lets work: no
inline script, inline style or event-handler attribute anywhere (OWASP ASVS 14.4, 5.3.3)."""

import re

import pytest
from support import sign_in
from test_authorization import EXPECTED, records, url_for_rule  # noqa: F401  (a fixture)

from qaweb.core.permissions import ROLES

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'self'",
    "object-src": "'none'",
}
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=", re.I)
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)


def header_problems(response) -> list[str]:
    headers = response.headers
    problems = []
    policy = dict(
        (part.split(" ", 1) + [""])[:2]
        for part in (p.strip() for p in headers.get("Content-Security-Policy", "").split(";"))
        if part
    )
    for directive, value in CSP.items():
        if policy.get(directive) != value:
            problems.append(f"CSP {directive} is {policy.get(directive)!r}")
    if any("unsafe" in value for value in policy.values()):
        problems.append("CSP allows something unsafe")
    expected = {
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }
    for name, value in expected.items():
        if headers.get(name) != value:
            problems.append(f"{name} is {headers.get(name)!r}")
    return problems


def markup_problems(response) -> list[str]:
    if not response.content_type.startswith("text/html"):
        return []
    page = response.get_data(as_text=True)
    found = []
    for name, pattern in [
        ("inline script", INLINE_SCRIPT),
        ("inline style", INLINE_STYLE),
        ("event handler attribute", EVENT_HANDLER),
    ]:
        match = pattern.search(page)
        if match:
            found.append(f"{name}: {page[max(0, match.start() - 40) : match.end() + 40]!r}")
    return found


@pytest.mark.parametrize("who", ["anonymous", "every role"])
def test_every_route_sends_the_security_headers_and_no_inline_code(
    app,
    client,
    make_user,
    records,  # noqa: F811
    who,
):
    if who != "anonymous":
        sign_in(client, make_user(*ROLES, team=None))
    failures = []
    seen = 0
    rules = sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint != "static"), key=lambda r: r.rule
    )
    for rule in rules:
        if rule.endpoint == "auth.sign_out":
            continue  # ends the session: checked below
        method, _ = EXPECTED[rule.endpoint]
        url = url_for_rule(app, rule, records)
        for headers in ({}, {"HX-Request": "true"}):
            response = client.open(url, method=method, headers=headers)
            problems = header_problems(response) + markup_problems(response)
            response.close()
            seen += 1
            if problems:
                failures.append(f"{method} {url} {headers} {response.status_code}: {problems}")
    assert seen > 150
    assert not failures, "\n".join(failures)


def test_static_files_errors_and_sign_out_send_them_too(app, client, make_user):
    for url in ["/static/qaweb.css", "/static/qaweb.js", "/no-such-page", "/sign-in"]:
        response = client.get(url)
        assert header_problems(response) == [], url
        response.close()
    assert header_problems(client.delete("/sign-in")) == []  # 405
    sign_in(client, make_user())
    assert header_problems(client.post("/sign-out")) == []


def test_a_server_error_page_sends_them_too(app, client):
    def broken():
        raise RuntimeError("boom")

    app.view_functions["home.health"], before = broken, app.view_functions["home.health"]
    try:
        response = client.get("/health")
    finally:
        app.view_functions["home.health"] = before
    assert response.status_code == 500
    assert header_problems(response) == []


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/sign-in").headers
    secure = client.get("/sign-in", base_url="https://qaweb.test")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_htmx_may_not_inject_style_or_evaluate_code(client):
    page = client.get("/sign-in").get_data(as_text=True)
    assert '"includeIndicatorStyles": false' in page
    assert '"allowEval": false' in page

"""Layout and htmx behaviour in a real browser: reflow at 320 CSS px (WCAG 1.4.10), every
part of the page in a landmark, a one-row navigation at 1280 px, the focus after htmx swaps,
and Back through filtered lists."""

import re

import pytest
from browser_support import DEMO_PASSWORD, demo_email, follow, sign_in_as
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

BUSY = "many.roles"
SHOTS = "/tmp"


def _axe_problems(axe, page) -> list[str]:
    """Serious and critical findings, and the `region` rule (content outside a landmark,
    which axe rates moderate) whatever its impact."""
    results = axe.run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical") or v["id"] == "region"
    ]


def _busy_person(page):
    """Someone holding every role, added by the administrator through the staff form."""
    sign_in_as(page, "admin")
    page.goto("/admin/users?q=" + BUSY)
    if page.locator("#results").get_by_role("link", name="Morgan Many-Roles").count():
        return
    page.goto("/admin/users/new")
    page.get_by_label("First name").fill("Morgan")
    page.get_by_label("Last name").fill("Many-Roles")
    page.get_by_label("Email address").fill(demo_email(BUSY))
    page.get_by_label("Job title").fill("Head of quality and practice improvement")
    for box in page.locator("input[name=roles]").all():
        box.check()
    page.get_by_label("Set a password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Save user").click()
    expect(page.locator(".govuk-notification-banner, .govuk-error-summary").first).to_be_visible()
    expect(page.locator(".govuk-error-summary")).to_have_count(0)


def _nav_rows(page) -> int:
    tops = page.locator(".govuk-service-navigation__item").evaluate_all(
        "items => items.map(i => Math.round(i.getBoundingClientRect().top))"
    )
    return len(set(tops))


@pytest.mark.parametrize("who", ["admin", BUSY])
def test_the_main_navigation_is_one_row_at_1280_px(page, who):
    _busy_person(page)
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in_as(page, who)
    page.goto("/admin/users" if who == "admin" else "/")
    items = page.locator(".govuk-service-navigation__item")
    assert items.count() >= (5 if who == "admin" else 7)  # every section the roles open
    assert _nav_rows(page) == 1
    # The account links are in the header, in a navigation landmark of their own.
    account = page.get_by_role("navigation", name="Your account")
    expect(account.get_by_role("button", name="Sign out")).to_be_visible()
    page.screenshot(path=f"{SHOTS}/h5-nav-1280-{who}.png")


# A list, a detail page and a form for each area, as the person holding every role.
PAGES_320 = [
    "/",
    "/actions/all",
    "/actions/new",
    "/admin/users",
    "/admin/users/new",
    "/admin/users/import",
    "/admin/teams",
    "/supervision/",
    "/supervision/coverage",
    "/supervision/plan",
    "/practice-weeks/",
    "/thematic/",
    "/complaints/",
    "/complaints/report",
    "/complaints/compliments",
]


def test_pages_reflow_at_320_px_and_every_part_is_in_a_landmark(page, axe):
    _busy_person(page)
    sign_in_as(page, BUSY)
    page.set_viewport_size({"width": 320, "height": 640})
    pages = list(PAGES_320)
    # Detail pages: the first record each list links to.
    for listing, pattern in [
        ("/admin/users", r"/admin/users/\d+$"),
        ("/actions/all", r"/actions/\d+$"),
        ("/supervision/", r"/supervision/audits/\d+$"),
        ("/complaints/", r"/complaints/\d+$"),
        ("/thematic/", r"/thematic/\d+$"),
        ("/practice-weeks/", r"/practice-weeks/\d+$"),
    ]:
        page.goto(listing)
        hrefs = page.locator("main a").evaluate_all("links => links.map(a => a.pathname)")
        pages += [h for h in hrefs if re.search(pattern, h)][:1]
    assert len(pages) >= len(PAGES_320) + 5, pages
    problems = []
    for url in pages:
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 320:
            wide = page.evaluate(
                """() => [...document.querySelectorAll('main *')]
                  .filter(el => el.getBoundingClientRect().right > 321
                    && !el.closest('.qaweb-table-scroll'))
                  .slice(0, 3).map(el => el.tagName + '.' + el.className)"""
            )
            problems.append(f"{url}: page is {width} px wide ({wide})")
        problems += [f"{url}: {p}" for p in _axe_problems(axe, page)]
        # Every table is in a scrollable region named by its caption, reachable by keyboard.
        for region in page.locator("table.govuk-table").evaluate_all(
            """tables => tables.map(t => {
                 const r = t.parentElement;
                 const label = r && document.getElementById(r.getAttribute('aria-labelledby'));
                 return r.matches('.qaweb-table-scroll[role=region][tabindex="0"]')
                   && label && label.tagName === 'CAPTION' && t.contains(label);
               })"""
        ):
            if not region:
                problems.append(f"{url}: a table outside a labelled scroll region")
    name = {"/": "home", "/admin/users": "list", "/admin/users/new": "form"}
    for url, label in name.items():
        page.goto(url)
        page.screenshot(path=f"{SHOTS}/h5-320-{label}.png")
    assert not problems, "\n".join(problems)


def test_a_wide_table_scrolls_in_its_region_not_the_page(page):
    sign_in_as(page, "admin")
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto("/admin/users")
    region = page.locator(".qaweb-table-scroll").first
    assert region.evaluate("r => r.scrollWidth > r.clientWidth")  # wider than the screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    region.focus()
    page.keyboard.press("ArrowRight")
    expect(region).not_to_have_js_property("scrollLeft", 0)
    page.screenshot(path=f"{SHOTS}/h5-320-table-scrolled.png")


def test_focus_stays_on_save_this_section_after_the_swap(page):
    sign_in_as(page, "team.manager")
    follow(page.get_by_role("link", name=re.compile("^Supervision audit of ")).last)
    start = page.get_by_role("button", name="Start the audit")
    if start.count():
        start.click()
    page.get_by_role("link", name="Fill in the supervision-audit form").click()
    section = page.locator("section.qaweb-tool-section").first
    section.locator("input.govuk-input--width-5").first.fill("4")
    save = section.get_by_role("button", name=re.compile("^Save this section"))
    save.focus()
    page.evaluate("window.__notReloaded = true")
    page.keyboard.press("Enter")
    expect(section.get_by_role("status")).to_contain_text("Saved")
    assert page.evaluate("window.__notReloaded") is True  # saved in place, by htmx
    # The focus is placed once the swap has settled.
    # (expect, not wait_for_function: its polling evaluates a string, which the CSP refuses.)
    expect(page.locator("body")).not_to_be_focused(timeout=5000)
    focused = page.evaluate(
        "(() => { const a = document.activeElement;"
        " return [a.tagName, a.getAttribute('name'), a.textContent.trim()]; })()"
    )
    assert focused[0] == "BUTTON" and focused[1] == "save_section", focused
    assert focused[2].startswith("Save this section")
    page.screenshot(path=f"{SHOTS}/h5-focus-save-section.png")


def test_focus_after_completing_an_action_in_its_row_is_not_lost(page):
    sign_in_as(page, "qa.officer")
    page.goto("/actions/all?status=open")
    link = page.get_by_role("link", name=re.compile("^Complete action")).nth(1)
    row_id = link.evaluate("a => a.closest('tr').id")
    link.click()
    row = page.locator(f"#{row_id}")
    evidence = row.get_by_label("Evidence of completion")
    expect(evidence).to_be_focused()  # the form's autofocus
    row.get_by_role("button", name="Mark as completed").click()
    # An error in the row: its error summary takes the focus.
    expect(row.locator(".govuk-error-summary")).to_be_focused()
    row.get_by_label("Evidence of completion").fill("Checked in supervision.")
    row.get_by_role("button", name="Mark as completed").click()
    expect(row).to_contain_text("Completed")
    # The row that replaced the form has the focus (with its status message), once settled.
    expect(page.locator(f"#{row_id}")).to_be_focused(timeout=5000)


def test_back_after_many_filter_changes_shows_the_whole_page(page):
    sign_in_as(page, "admin")
    page.goto("/admin/users")
    page.evaluate("window.__notReloaded = true")
    start = page.evaluate("history.length")
    team = page.get_by_label("Team")
    names = [o for o in team.locator("option").all_inner_texts() if o != "Any team"][:12]
    assert len(names) == 12
    # Twelve teams chosen one after another (as arrow keys do): the address follows the
    # filter in place, and the history does not grow.
    for name in names:
        with page.expect_response(re.compile(r"/admin/users\?")):
            team.select_option(label=name)
    expect(page).to_have_url(re.compile(r"team=\d+"))
    assert page.evaluate("history.length") == start
    # "Apply filters" on what is already shown adds nothing; a new search does.
    with page.expect_response(re.compile(r"/admin/users\?")):
        page.get_by_role("button", name="Apply filters").click()
    assert page.evaluate("history.length") == start
    page.get_by_label("Search").fill("a")
    with page.expect_response(re.compile(r"q=a")):
        page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"q=a"))
    assert page.evaluate("history.length") == start + 1
    assert page.evaluate("window.__notReloaded") is True

    # Back with htmx's history cache emptied (as after more than ten entries): htmx asks
    # the server, which answers with the whole page, not the results alone.
    page.evaluate("sessionStorage.removeItem('htmx-history-cache')")
    with page.expect_response(lambda r: r.request.headers.get("hx-history-restore-request")):
        page.go_back()
    expect(page).to_have_url(re.compile(r"team=\d+"))
    expect(page.locator("header.govuk-template__header")).to_have_count(1)
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(page.locator("form.qaweb-filters")).to_have_count(1)
    expect(page.get_by_role("heading", level=1, name="Staff")).to_be_visible()
    page.screenshot(path=f"{SHOTS}/h5-back-restored.png")


def test_back_to_a_filtered_list_shows_its_filters_as_well_as_its_rows(page):
    """Found walking the app: Back (htmx's copy of the page) showed the list filtered by
    "Begum" with the Search box empty and the Team back at "Any team"."""
    sign_in_as(page, "admin")
    page.goto("/admin/users")
    search, team = page.get_by_label("Search"), page.get_by_label("Team")
    second_team = team.locator("option").nth(2).inner_text()
    for query in ("a", "e"):
        search.fill(query)
        with page.expect_response(re.compile(f"q={query}")):
            page.get_by_role("button", name="Apply filters").click()
        expect(page).to_have_url(re.compile(f"q={query}"))
    with page.expect_response(re.compile(r"team=\d+")):
        team.select_option(label=second_team)
    search.fill("o")
    with page.expect_response(re.compile("q=o")):
        page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile("q=o"))

    chosen = re.search(r"team=(\d+)", page.url).group(1)

    # Back from htmx's copy of each page: the team was chosen in place (the address of the
    # "e" search took it), so it is still chosen there, and gone from the "a" search's.
    page.go_back()
    expect(page).to_have_url(re.compile(rf"q=e&team={chosen}(&|$)"))
    expect(search).to_have_value("e")
    expect(team).to_have_value(chosen)
    page.go_back()
    expect(page).to_have_url(re.compile(r"q=a(&team=)?(&|$)"))
    expect(search).to_have_value("a")
    expect(team).to_have_value("")
    page.go_forward()
    expect(search).to_have_value("e")
    expect(team).to_have_value(chosen)

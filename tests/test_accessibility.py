"""
Every page type, as each role sees it, at a desktop width and a phone width: axe-core finds no
violation, and the page never scrolls sideways (wide tables become cards, long addresses wrap,
charts scroll inside their own card).

Screenshots of each page at both widths are left in test-results/, e.g. phone-following-390.png
(the analyst's; the other roles' carry the role, e.g. phone-following-390-viewer.png).
"""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
from playwright.sync_api import Page, expect
from rest_framework.authtoken.models import Token

from accounts.models import PrivateAddress
from accounts.services import private_address_create
from alerts.models import Alert
from alerts.services import case_follow, saved_search_create
from cases import roles
from cases.models import Case, Person, Treaty
from clocks.models import Clock
from tests.factories import AlertFactory, user_in_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RANA_REFERENCE = "rana-us-india"
ADMINISTRATOR_PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
# The narrowest phone the pages are made for; checked for sideways scroll after the phone width.
NARROWEST = {"width": 360, "height": 780}

# Who may open which pages: a viewer reads, an analyst also writes (cases.roles).
READERS = (roles.VIEWER, roles.ANALYST, roles.ADMINISTRATOR)
WRITERS = (roles.ANALYST, roles.ADMINISTRATOR)


@dataclass(frozen=True)
class PageType:
    name: str
    url: Callable[[dict], str]
    roles: tuple = READERS
    # Brings the page to the state under test once loaded, e.g. opens a form panel.
    prepare: Callable[[Page], None] | None = None
    status: int = 200
    # The status the page's form is answered with once prepared, when it is refused.
    refused_with: int | None = None


def _open_panel(href_pattern: str) -> Callable[[Page], None]:
    """Open the case page's form panel from the link whose address matches, as a click does."""

    def prepare(page: Page) -> None:
        link = page.locator(f'a[hx-target="#form-panel"][href*="{href_pattern}"]').first
        if not link.is_visible():
            # Kept in a menu: open it first.
            link.locator("xpath=ancestor::details[1]/summary").click()
        link.click()
        expect(page.locator("#form-panel form")).to_be_visible()

    return prepare


def _make_an_address(page: Page) -> None:
    """Make a private address: the message that follows quotes it whole."""
    page.get_by_role("button", name="Make the address").click()
    expect(page.locator("#messages")).to_contain_text("New private address")


def _submit_the_empty_event_form(page: Page) -> None:
    """Open the event form and save it empty: the errors are shown in the panel."""
    _open_panel("/events/new/")(page)
    page.locator("#form-panel").get_by_role("button", name="Save").click()
    expect(page.locator("#form-panel .errorlist").first).to_be_visible()


def _check_a_file(file) -> Callable[[Page], None]:
    """Upload a file on the import page: its preview, or its problems, are shown in tables."""

    def prepare(page: Page) -> None:
        page.locator("input[type=file]").set_input_files(file)
        page.get_by_role("button", name="Check the file").click()
        expect(page.locator("table")).to_be_visible()

    return prepare


TESTS_DIR = Path(__file__).resolve().parent
# A matter the Rana demo does not hold, small enough to be checked while the page waits.
NEW_MATTER = TESTS_DIR.parent / "cases" / "demo" / "matters" / "christian-michel-uae-india.json"
# An export's columns with a row that breaks every rule it can.
EXPORT_COLUMNS = (TESTS_DIR / "data" / "export-v1.csv").read_text(encoding="utf-8").splitlines()[0]
BROKEN_CSV = {"name": "broken.csv", "mimeType": "text/csv",
              "buffer": f"{EXPORT_COLUMNS}\nnot a reference!,,ZZ,QQ,,,,31 February\n".encode()}

CASE_URL = f"/cases/{RANA_REFERENCE}/"

# The case page and its forms.
CASE_PAGES = [
    PageType("case", lambda ids: CASE_URL),
    PageType("event-form", lambda ids: CASE_URL, WRITERS, _open_panel("/events/new/")),
    PageType("event-form-errors", lambda ids: CASE_URL, WRITERS, _submit_the_empty_event_form),
    PageType("stage-form", lambda ids: CASE_URL, WRITERS, _open_panel("/stage/")),
    PageType("stage-form-page", lambda ids: f"{CASE_URL}stage/", WRITERS),
    PageType("case-edit", lambda ids: f"{CASE_URL}edit/", WRITERS),
    PageType("case-new", lambda ids: "/cases/new/", WRITERS),
]

CLOCK_FORM = PageType("clock-edit", lambda ids: f"/clocks/{ids['clock']}/", WRITERS)

PAGES = [
    # The home page's briefing loads after the page, in a request of its own.
    PageType("case-list", lambda ids: "/", prepare=lambda page: page.wait_for_load_state("networkidle")),
    PageType("case-list-filtered", lambda ids: "/?q=Rana&stage=surrendered"),
    PageType("history", lambda ids: f"{CASE_URL}history/"),
    PageType("person-list", lambda ids: "/people/"),
    PageType("person", lambda ids: f"/people/{ids['person']}/"),
    PageType("treaty-list", lambda ids: "/treaties/"),
    PageType("treaty", lambda ids: f"/treaties/{ids['treaty']}/"),
    PageType("search", lambda ids: "/search/?q=Rana"),
    PageType("analytics", lambda ids: "/analytics/"),
    PageType("clocks", lambda ids: "/clocks/"),
    PageType("clock-rules", lambda ids: "/clocks/rules/"),
    PageType("following", lambda ids: "/alerts/following/"),
    PageType("notifications", lambda ids: "/alerts/notifications/"),
    PageType("follow-preferences", lambda ids: f"/alerts/follows/{ids['follow']}/"),
    PageType("deadline-form", lambda ids: f"/alerts/cases/{RANA_REFERENCE}/deadlines/new/", WRITERS),
    PageType("saved-search-form", lambda ids: "/alerts/searches/new/?q=Rana"),
    PageType("import", lambda ids: "/exchange/import/", WRITERS),
    PageType("import-preview", lambda ids: "/exchange/import/", WRITERS, _check_a_file(NEW_MATTER)),
    PageType("import-problems", lambda ids: "/exchange/import/", WRITERS, _check_a_file(BROKEN_CSV), refused_with=400),
    PageType("feeds", lambda ids: "/exchange/feeds/"),
    PageType("article-draft", lambda ids: f"/exchange/cases/{RANA_REFERENCE}/draft/", WRITERS),
    # The account page, with the private addresses listed (their own address only takes a POST).
    PageType("security", lambda ids: "/accounts/"),
    PageType("security-new-address", lambda ids: "/accounts/", prepare=_make_an_address),
    PageType("two-factor-setup", lambda ids: "/accounts/two-factor/setup/"),
    PageType("password-change", lambda ids: "/accounts/password/"),
    PageType("not-found", lambda ids: "/cases/no-such-case/", status=404),
    PageType("forbidden", lambda ids: "/cases/new/", (roles.VIEWER,), status=403),
]

ANONYMOUS_PAGES = [
    PageType("login", lambda ids: "/accounts/login/"),
    PageType("password-reset", lambda ids: "/accounts/password/reset/"),
]


@pytest.fixture
def logins(current_demo_logins):
    """The demo's viewer and analyst, and an administrator (the demo has none), by role."""
    administrator = user_in_role(roles.ADMINISTRATOR, "test-administrator")
    return {
        roles.VIEWER: current_demo_logins["Viewer"],
        roles.ANALYST: current_demo_logins["Analyst"],
        roles.ADMINISTRATOR: (administrator.username, ADMINISTRATOR_PASSWORD),
    }


def _workspace_of(username: str) -> dict:
    """Give the user something on every alerts and addresses page (a follow, a saved search, a
    notification, private addresses and an API token, long and unbroken) and return the ids the pages need."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username=username)
    case = Case.objects.get(reference=RANA_REFERENCE)
    follow = case_follow(user=user, case=case)
    saved_search_create(user=user, name="Rana, surrendered", query="q=Rana&stage=surrendered")
    AlertFactory(recipient=user, event=case.events.order_by("pk").first(), status=Alert.Status.SENT)
    for purpose in PrivateAddress.Purpose.values:
        private_address_create(user=user, purpose=purpose, label="Phone")
    Token.objects.create(user=user)
    return {
        "follow": follow.pk,
        "person": Person.objects.filter(roles__case=case).first().pk,
        "treaty": Treaty.objects.first().pk,
        "clock": Clock.objects.filter(case=case).first().pk,
    }


def _log_in(page: Page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label(re.compile("^Username")).fill(username)
    page.get_by_label(re.compile("^Password")).fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Cases", exact=True)).to_be_visible()


def _sideways_scroll(page: Page) -> str:
    """What makes the page wider than the window, empty when nothing does."""
    return page.evaluate(
        """() => {
          const width = window.innerWidth;
          if (document.documentElement.scrollWidth <= width) return "";
          const beyond = (el) => el.getBoundingClientRect().right > width + 0.5;
          // The outermost elements past the edge: those inside them are not to blame, except what
          // is positioned out of its parent's box.
          const wide = [...document.querySelectorAll("body *")]
            .filter((el) => beyond(el) && (!beyond(el.parentElement) || getComputedStyle(el).position === "absolute"))
            .slice(0, 8)
            .map((el) => `${el.tagName.toLowerCase()}${el.className ? "." + String(el.className).split(" ").join(".") : ""}`
                          + ` (right edge ${Math.round(el.getBoundingClientRect().right)} px)`);
          return `page ${document.documentElement.scrollWidth} px wide in a ${width} px window: ` + wide.join(", ");
        }"""
    )


def _check(page: Page, page_type: PageType, *, viewport: dict, role: str, axe_violations, test_results_dir) -> list[str]:
    """The problems of one page at one width: axe's violations and any sideways scroll."""
    problems = []
    if report := axe_violations(page):
        problems.append(f"axe:\n{report}")
    if overflow := _sideways_scroll(page):
        problems.append(f"at {viewport['width']} px, {overflow}")
    kind = "phone" if viewport["width"] < 600 else "desktop"
    suffix = "" if role == roles.ANALYST else f"-{role}"
    page.screenshot(path=test_results_dir / f"{kind}-{page_type.name}-{viewport['width']}{suffix}.png", full_page=True)
    if viewport is PHONE:
        page.set_viewport_size(NARROWEST)
        if overflow := _sideways_scroll(page):
            problems.append(f"at {NARROWEST['width']} px, {overflow}")
        page.set_viewport_size(PHONE)
    return [f"{page_type.name} ({role}, {viewport['width']} px): {problem}" for problem in problems]


def _check_pages(
    page_types, *, role, viewport, new_page, logins, axe_violations, browser_console, test_results_dir
) -> list[str]:
    page = new_page(viewport=viewport, bypass_csp=True)
    username, password = logins[role]
    ids = _workspace_of(username)
    _log_in(page, username, password)
    problems = []
    for page_type in page_types:
        if role not in page_type.roles:
            continue
        response = page.goto(page_type.url(ids))
        if response.status != page_type.status:
            problems.append(f"{page_type.name} ({role}): answered {response.status}")
            continue
        if page_type.prepare:
            page_type.prepare(page)
        # The browser reports an error status as a console error, the expected ones too.
        for status in {page_type.status, page_type.refused_with} - {200, None}:
            expected = f"status of {status} "
            browser_console.errors = [
                error for error in browser_console.errors if not (expected in error and response.url in error)
            ]
        problems += _check(page, page_type, viewport=viewport, role=role, axe_violations=axe_violations,
                           test_results_dir=test_results_dir)
    return problems


def _by_role_and_width(roles_: tuple):
    return pytest.mark.parametrize(
        "role, viewport",
        [(role, viewport) for role in roles_ for viewport in (DESKTOP, PHONE)],
        ids=lambda value: value if isinstance(value, str) else str(value["width"]),
    )


def _assert_pages_pass(pages, *, browser_console, **checks) -> None:
    problems = _check_pages(pages, browser_console=browser_console, **checks)
    assert not problems, "\n\n".join(problems)
    browser_console.assert_clean()


BY_ROLE_AND_WIDTH = _by_role_and_width(READERS)


@BY_ROLE_AND_WIDTH
def test_every_page_is_accessible_and_fits_the_screen(
    role, viewport, new_page, logins, axe_violations, browser_console, test_results_dir
):
    _assert_pages_pass(PAGES, role=role, viewport=viewport, new_page=new_page, logins=logins,
                       axe_violations=axe_violations, browser_console=browser_console, test_results_dir=test_results_dir)


@BY_ROLE_AND_WIDTH
def test_the_case_page_and_its_forms_are_accessible_and_fit_the_screen(
    role, viewport, new_page, logins, axe_violations, browser_console, test_results_dir
):
    _assert_pages_pass(CASE_PAGES, role=role, viewport=viewport, new_page=new_page, logins=logins,
                       axe_violations=axe_violations, browser_console=browser_console, test_results_dir=test_results_dir)


@_by_role_and_width(WRITERS)
def test_the_clock_form_is_accessible_and_fits_the_screen(
    role, viewport, new_page, logins, axe_violations, browser_console, test_results_dir
):
    _assert_pages_pass([CLOCK_FORM], role=role, viewport=viewport, new_page=new_page, logins=logins,
                       axe_violations=axe_violations, browser_console=browser_console, test_results_dir=test_results_dir)


@pytest.mark.parametrize("viewport", (DESKTOP, PHONE), ids=lambda viewport: str(viewport["width"]))
def test_the_pages_before_logging_in_are_accessible_and_fit_the_screen(
    viewport, new_page, axe_violations, browser_console, test_results_dir
):
    page = new_page(viewport=viewport, bypass_csp=True)
    problems = []
    for page_type in ANONYMOUS_PAGES:
        response = page.goto(page_type.url({}))
        assert response.status == 200, f"{page_type.name} answered {response.status}"
        problems += _check(page, page_type, viewport=viewport, role="anonymous", axe_violations=axe_violations,
                           test_results_dir=test_results_dir)
    assert not problems, "\n\n".join(problems)
    browser_console.assert_clean()

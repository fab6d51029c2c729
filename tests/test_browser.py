"""
The analyst's workspace in a real browser: the demo matter, from the case list to a court ruling
logged with a month-only date and a stage change, then the same case as a read-only viewer, and
a status update logged with JavaScript turned off.

Chromium is driven through Playwright against pytest-django's live server; see the `browser`,
`new_page` and `browser_console` fixtures in conftest.py. Every test fails on a console error,
Content Security Policy violations included.
"""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Locator, Page, expect

from cases.models import Case, Event, Stage
from tests.factories import CaseFactory, CasePartyFactory, PersonFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RANA = "Tahawwur Rana (US → India)"
RANA_REFERENCE = "rana-us-india"


@pytest.fixture
def demo_logins(settings, tmp_path):
    """Load the demo as `make run` does and return the logins it prints: {"Analyst": (user, password), ...}."""
    settings.VAR_DIR = tmp_path
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    logins = dict(
        (role, (username, password))
        for role, username, password in re.findall(r"^Demo login \((\w+)\): (\S+) / (\S+)$", out.getvalue(), re.M)
    )
    assert {"Analyst", "Viewer"} <= set(logins), f"load_demo did not print both demo logins:\n{out.getvalue()}"
    return logins


@pytest.fixture
def other_case(db):
    """A second matter, at another stage, so that filtering the list visibly leaves it out."""
    case = CaseFactory(
        title="Nirav Modi (UK → India)", reference="modi-uk-india", requested_state="GB", stage=Stage.APPEAL
    )
    CasePartyFactory(case=case, person=PersonFactory(name="Nirav Modi"))
    return case


def log_in(page: Page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    field(page, "Username").fill(username)
    field(page, "Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Cases", exact=True)).to_be_visible()


def field(scope: Page | Locator, label: str) -> Locator:
    """A form field by its label, which Django writes with a colon after it."""
    return scope.get_by_label(re.compile(rf"^{re.escape(label)}:?$"))


def timeline_dates(page: Page) -> list[str]:
    return page.locator("#timeline-list > li.entry time.date").all_inner_texts()


def test_analyst_finds_the_rana_case_logs_a_ruling_and_moves_its_stage(
    page, demo_logins, other_case, browser_console, test_results_dir
):
    log_in(page, *demo_logins["Analyst"])
    results = page.locator("#results")
    expect(results.get_by_role("link", name=other_case.title)).to_be_visible()

    # A name variant finds the case: the search covers "Tahawwur Hussain Rana". Typed key by
    # key, as the list refreshes on keyup.
    search = page.get_by_role("searchbox", name="Search")
    search.press_sequentially("Hussain")
    expect(results.get_by_role("link", name=other_case.title)).to_have_count(0)
    expect(results.get_by_role("link", name=RANA)).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]q=Hussain"))
    # So does the stage it waits in.
    search.press("Control+A")
    search.press("Backspace")
    expect(page).not_to_have_url(re.compile(r"q=Hussain"))
    expect(results.get_by_role("link", name=other_case.title)).to_be_visible()
    page.locator(".stage-filter").get_by_label("Surrender pending").check()
    expect(results.get_by_role("link", name=other_case.title)).to_have_count(0)
    expect(results.get_by_role("link", name=RANA)).to_be_visible()
    expect(results).to_contain_text("1 case")
    page.screenshot(path=test_results_dir / "case-list.png", full_page=True)

    results.get_by_role("link", name=RANA).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(RANA)
    # Set on this page's window: a full reload would lose it, an htmx swap keeps it.
    page.evaluate("window.noFullReload = true")

    # A court ruling with a month-only date, first written as a full day by mistake.
    page.locator(".log-actions").get_by_role("link", name="Court ruling").click()
    panel = page.locator("#form-panel")
    expect(panel.get_by_role("heading", name="Add a court ruling")).to_be_visible()
    field(panel, "Court or authority").select_option(label="Supreme Court of the United States")
    field(panel, "Decision").select_option(label="Stay denied")
    field(panel, "Date").fill("2025-03-06")
    field(panel, "Date known to").select_option(label="Month only")
    summary = "Justice Kagan denied Rana's emergency application for a stay of his extradition."
    field(panel, "Summary").fill(summary)
    source_url = "https://www.supremecourt.gov/search.aspx?filename=/docket/docketfiles/html/public/24a852.html"
    panel.locator("#id_sources-0-url").fill(source_url)
    panel.get_by_role("button", name="Save").click()

    expect(panel).to_contain_text("was written as a full day: write it as YYYY-MM")
    # What the analyst typed is all still there.
    expect(field(panel, "Date")).to_have_value("2025-03-06")
    expect(field(panel, "Date known to")).to_have_value("month")
    expect(field(panel, "Summary")).to_have_value(summary)
    expect(field(panel, "Decision")).to_have_value("stay_denied")
    expect(panel.locator("#id_sources-0-url")).to_have_value(source_url)
    assert not Event.objects.filter(summary=summary).exists()

    field(panel, "Date").fill("2025-03")
    panel.get_by_role("button", name="Save").click()
    expect(page.locator("#messages")).to_contain_text("Court ruling added to the timeline.")
    ruling = Event.objects.get(summary=summary)
    entry = page.locator(f"#event-{ruling.pk}")
    expect(entry).to_contain_text("Mar 2025")
    expect(entry).to_contain_text("Supreme Court of the United States")
    expect(entry).to_contain_text("Stay denied")
    expect(panel).to_be_empty()
    assert page.evaluate("window.noFullReload") is True, "saving the ruling reloaded the whole page"
    # Newest first: March 2025 comes above the statement of 31 January 2025.
    dates = timeline_dates(page)
    assert dates.index("Mar 2025") < dates.index("31 Jan 2025"), dates
    assert dates[0] == "Mar 2025", dates
    page.screenshot(path=test_results_dir / "rana-case.png", full_page=True)

    # The stage moves on.
    page.locator(".log-actions").get_by_role("link", name="Change stage").click()
    expect(panel.get_by_role("heading", name="Change the stage")).to_be_visible()
    field(panel, "New stage").select_option(label="Surrendered")
    field(panel, "Reason").fill("Extradited to India after the Supreme Court refused a stay.")
    field(panel, "Date").fill("2025-04-10")
    panel.get_by_role("button", name="Save").click()
    expect(page.locator("#messages")).to_contain_text("Stage changed to “Surrendered”.")
    expect(page.locator(".stage-now .stage.current")).to_have_text("Surrendered")
    current_span = page.locator(".stage-track li.current")
    expect(current_span.locator(".stage-name")).to_have_text("Surrendered")
    expect(current_span.locator(".stage-dates")).to_contain_text("10 Apr 2025 – now")
    newest = page.locator("#timeline-list > li.entry").first
    expect(newest).to_contain_text("10 Apr 2025")
    expect(newest.locator(".move")).to_have_text("Surrender pending → Surrendered")
    assert page.evaluate("window.noFullReload") is True, "changing the stage reloaded the whole page"
    assert Case.objects.get(reference=RANA_REFERENCE).stage == Stage.SURRENDERED

    # Moving it to the stage it is already at is refused, next to the field.
    page.locator(".log-actions").get_by_role("link", name="Change stage").click()
    field(panel, "New stage").select_option(label="Surrendered")
    field(panel, "Reason").fill("Recorded twice by mistake.")
    field(panel, "Date").fill("2025-04-11")
    panel.get_by_role("button", name="Save").click()
    expect(panel).to_contain_text("The case is already at “Surrendered”; choose a different stage.")
    expect(field(panel, "New stage")).to_have_value("surrendered")
    assert Case.objects.get(reference=RANA_REFERENCE).events.filter(kind=Event.Kind.STAGE_CHANGE).count() == 2

    browser_console.assert_clean()


def test_viewer_sees_the_case_without_edit_controls(new_page, demo_logins, browser_console):
    page = new_page()
    log_in(page, *demo_logins["Viewer"])
    expect(page.get_by_role("link", name=RANA)).to_be_visible()
    expect(page.get_by_role("link", name="New case")).to_have_count(0)

    page.get_by_role("link", name=RANA).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(RANA)
    expect(page.locator("#timeline-list > li.entry")).to_have_count(3)
    expect(page.locator(".log-actions")).to_have_count(0)
    timeline = page.locator("#timeline-list")
    expect(timeline.get_by_role("link", name="Edit", exact=True)).to_have_count(0)
    expect(timeline.get_by_role("button", name="Delete")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("remove", re.I))).to_have_count(0)
    expect(page.get_by_role("link", name="Edit case details")).to_have_count(0)
    # Reading stays possible: each entry's history is a link for everyone.
    expect(timeline.get_by_role("link", name="History").first).to_be_visible()

    browser_console.assert_clean()


def test_status_update_without_javascript(new_page, demo_logins, browser_console):
    page = new_page(java_script_enabled=False)
    log_in(page, *demo_logins["Analyst"])
    page.goto(f"/cases/{RANA_REFERENCE}/")
    page.locator(".log-actions").get_by_role("link", name="Status update").click()
    # Without htmx the button is a plain link to the full-page form.
    expect(page).to_have_url(re.compile(rf"/cases/{RANA_REFERENCE}/events/new/status/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a status update")
    summary = "Indian officials confirmed the case file is being prepared for the trial court."
    field(page, "Summary").fill(summary)
    field(page, "Date").fill("2025-02-14")
    page.get_by_role("button", name="Save").click()

    event = Event.objects.get(summary=summary)
    expect(page).to_have_url(re.compile(rf"/cases/{RANA_REFERENCE}/#event-{event.pk}$"))
    expect(page.locator("#messages")).to_contain_text("Status update added to the timeline.")
    entry = page.locator(f"#event-{event.pk}")
    expect(entry).to_contain_text("14 Feb 2025")
    expect(entry).to_contain_text(summary)

    browser_console.assert_clean()

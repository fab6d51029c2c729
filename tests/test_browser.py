"""
The analyst's workspace in a real browser: the demo matter, from the case list to a court ruling
logged with a month-only date and a stage change, then the same case as a read-only viewer, and
a status update logged with JavaScript turned off.

Chromium is driven through Playwright against pytest-django's live server; see the `browser`,
`new_page` and `browser_console` fixtures in conftest.py. Every test fails on a console error,
Content Security Policy violations included.
"""

import datetime
import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from cases.models import Case, Event, Stage
from tests.factories import CaseFactory, CasePartyFactory, PersonFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RANA = "Tahawwur Rana (US → India)"
RANA_REFERENCE = "rana-us-india"


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


def open_log_form(page: Page, kind: str) -> None:
    """The case page's primary action: "Log what happened", then the kind of entry."""
    page.locator(".log-picker summary").click()
    page.locator(".log-picker").get_by_role("link", name=kind).click()


def open_more_actions(page: Page, action: str) -> None:
    """One of the case's other actions, in the "More actions" menu."""
    page.locator(".more-actions summary").click()
    page.locator(".more-actions").get_by_role("link", name=action).click()


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

    # A court ruling with a month-only date, first written as a day that does not exist.
    open_log_form(page, "Court ruling")
    panel = page.locator("#form-panel")
    expect(panel.get_by_role("heading", name="Add a court ruling")).to_be_visible()
    field(panel, "Court").select_option(label="Supreme Court of the United States")
    field(panel, "Decision").select_option(label="Stay denied")
    field(panel, "Date").fill("31 Feb 2025")
    summary = "Justice Kagan denied Rana's emergency application for a stay of his extradition."
    field(panel, "Summary").fill(summary)
    source_url = "https://www.supremecourt.gov/search.aspx?filename=/docket/docketfiles/html/public/24a852.html"
    panel.locator("#id_sources-0-url").fill(source_url)
    panel.get_by_role("button", name="Save").click()

    # The refusal is in the error summary (the reading under the field said so already, as typed).
    expect(panel.locator(".error-summary")).to_contain_text("February 2025 has 28 days")
    # What the analyst typed is all still there.
    expect(field(panel, "Date")).to_have_value("31 Feb 2025")
    expect(field(panel, "Summary")).to_have_value(summary)
    expect(field(panel, "Decision")).to_have_value("stay_denied")
    expect(panel.locator("#id_sources-0-url")).to_have_value(source_url)
    assert not Event.objects.filter(summary=summary).exists()

    field(panel, "Date").fill("March 2025")
    # Read back in words before saving.
    expect(panel.locator("#id_date-reading")).to_have_text("Read as: March 2025 (month only)")
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
    page.locator(".case-actions").get_by_role("link", name="Change stage").click()
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

    # The current stage is not offered, nothing is chosen, and a move back is made only once confirmed.
    page.locator(".case-actions").get_by_role("link", name="Change stage").click()
    expect(panel).to_contain_text("Now: “Surrendered”.")
    expect(field(panel, "New stage")).to_have_value("")
    expect(field(panel, "New stage").locator("option", has_text="Surrendered")).to_have_count(0)
    field(panel, "New stage").select_option(label="Extradition hearing")
    field(panel, "Reason").fill("Recorded by mistake.")
    field(panel, "Date").fill("2025-04-11")
    panel.get_by_role("button", name="Save").click()
    expect(panel.locator(".error-summary")).to_be_focused()
    expect(panel.locator(".error-summary")).to_contain_text("tick the box to confirm the move back")
    assert Case.objects.get(reference=RANA_REFERENCE).stage == Stage.SURRENDERED
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
    expect(page.locator(".log-picker")).to_have_count(0)
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
    open_log_form(page, "Status update")
    # Without htmx the button is a plain link to the full-page form.
    expect(page).to_have_url(re.compile(rf"/cases/{RANA_REFERENCE}/events/new/status/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a status update")
    summary = "Indian officials confirmed the case file is being prepared for the trial court."
    field(page, "About").select_option(label="Charges or indictment")
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


@pytest.fixture
def co_accused_case(db):
    """A second matter to link to the demo case, followed from its hearing to a conviction after surrender."""
    return CaseFactory(
        title="Test Co-accused (US → India)",
        reference="co-accused-test",
        requesting_state="IN",
        requested_state="US",
        stage=Stage.HEARING,
        stage_entered_on=datetime.date(2018, 1, 15),
    )


def entry_of(page: Page, summary: str) -> Locator:
    """The timeline entry whose summary begins with these words."""
    event = Event.objects.get(summary__startswith=summary)
    return page.locator(f"#event-{event.pk}")


def test_analyst_records_the_second_generation_record(
    page, demo_logins, co_accused_case, browser_console, test_results_dir
):
    """Reported speech without a quote, an executive decision with its official, entries moved where
    their dates overlap, a related matter, a month-only stage change and a conviction after surrender."""
    log_in(page, *demo_logins["Analyst"])
    page.goto(f"/cases/{RANA_REFERENCE}/")
    panel = page.locator("#form-panel")
    messages = page.locator("#messages")

    # A statement that reached the analyst as reported speech: no quote, no known channel.
    open_log_form(page, "Government statement")
    expect(panel.get_by_role("heading", name="Add a government statement")).to_be_visible()
    field(panel, "Government").select_option(label="India")
    field(panel, "Body").fill("Ministry of External Affairs")
    field(panel, "Reported speech").check()
    gist = "India would stay in touch with the US side on the remaining procedural issues."
    field(panel, "What was said").fill(gist)
    field(panel, "Date").fill("2025-02-13")
    statement_summary = "The MEA said India was in touch with the US authorities."
    field(panel, "Summary").fill(statement_summary)
    panel.locator("details.group-more summary").click()
    field(panel, "Confidence").select_option(label="Corroborated by several independent reports")
    panel.get_by_role("button", name="Save").click()
    expect(messages).to_contain_text("Government statement added to the timeline.")
    statement = entry_of(page, statement_summary)
    expect(statement.locator(".reported-speech")).to_contain_text(gist)
    expect(statement).to_contain_text("Reported speech")
    expect(statement).to_contain_text("channel unknown")
    expect(statement.locator("blockquote")).to_have_count(0)
    assert "“" not in statement.inner_text() and "”" not in statement.inner_text()

    # An executive decision, by a government body and an official both named for the first time.
    open_log_form(page, "Executive decision")
    expect(panel.get_by_role("heading", name="Add an executive decision")).to_be_visible()
    panel.locator("details.group-new-authority summary").click()
    field(panel, "…or one not listed yet").fill("US Department of State")
    field(panel, "Its country").select_option(label="United States of America")
    field(panel, "Official").fill("Test Secretary")
    field(panel, "Decision").select_option(label="Surrender authorised")
    field(panel, "Decision detail").fill("surrender warrant signed")
    field(panel, "Date").fill("Feb 2025")
    decision_summary = "The Secretary of State authorised Rana's surrender to India."
    field(panel, "Summary").fill(decision_summary)
    panel.locator("details.group-more summary").click()
    field(panel, "Analyst's note").fill("Day not reported; month from the ministry's statement.")
    panel.get_by_role("button", name="Save").click()
    expect(messages).to_contain_text("Executive decision added to the timeline.")
    decision = entry_of(page, decision_summary)
    expect(decision.locator("time.date")).to_have_text("Feb 2025")
    expect(decision.locator(".decision")).to_have_text("Surrender authorised — surrender warrant signed")
    expect(decision.locator(".authority")).to_have_text("US Department of State")
    expect(decision.locator(".official")).to_have_text("Decided by Test Secretary")
    expect(decision.locator(".note")).to_have_text("Note: Day not reported; month from the ministry's statement.")

    # "Feb 2025" and "13 Feb 2025" overlap: the analyst may put them in either order, but not
    # "Feb 2025" before the statement of 31 January.
    dates = timeline_dates(page)
    assert dates.index("Feb 2025") < dates.index("13 Feb 2025"), dates
    decision.get_by_role("button", name="Move this entry earlier on the timeline").click()
    expect(messages).to_contain_text("Entry moved earlier.")
    expect(page.locator("#timeline-list > li.entry time.date").first).to_have_text("13 Feb 2025")
    dates = timeline_dates(page)
    assert dates.index("13 Feb 2025") < dates.index("Feb 2025") < dates.index("31 Jan 2025"), dates
    entry_of(page, decision_summary).get_by_role("button", name="Move this entry earlier on the timeline").click()
    expect(messages).to_contain_text("cannot change order: their dates say which came first")
    assert timeline_dates(page) == dates

    # A related matter, shown on both cases.
    open_more_actions(page, "Link a related matter")
    field(panel, "Related case").press_sequentially("co-acc")
    field(panel, "Related case").fill(co_accused_case.reference)
    field(panel, "Relation").select_option(label="Co-accused's case")
    field(panel, "Note").fill("Tried separately in India.")
    panel.get_by_role("button", name="Save").click()
    expect(messages).to_contain_text("linked as a related matter")
    related = page.locator("#related")
    expect(related).to_contain_text("Co-accused's case")
    expect(related).to_contain_text("Tried separately in India.")
    page.screenshot(path=test_results_dir / "record-v2-rana.png", full_page=True)
    related.get_by_role("link", name=co_accused_case.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(co_accused_case.title)
    expect(page.locator("#related")).to_contain_text(RANA)

    # A stage change known only to the month shows as "Aug 2018", never as a day.
    page.locator(".case-actions").get_by_role("link", name="Change stage").click()
    field(panel, "New stage").select_option(label="Surrendered")
    field(panel, "Reason").fill("Surrendered to India; the month is all the reports give.")
    field(panel, "Date").fill("2018-08")
    panel.get_by_role("button", name="Save").click()
    expect(messages).to_contain_text("Stage changed to “Surrendered”.")
    current_span = page.locator(".stage-track li.current")
    expect(current_span.locator(".stage-dates")).to_have_text("Aug 2018 – now")
    expect(page.locator(".stage-track")).not_to_contain_text("1 Aug 2018")
    expect(page.locator(".stage-now .stage-since")).to_have_text("since Aug 2018")

    # Convicted after surrender: the court's ruling, then the outcome.
    open_log_form(page, "Court ruling")
    panel.locator("details.group-new-authority summary").click()
    field(panel, "…or one not listed yet").fill("Special NIA Court, Mumbai")
    field(panel, "Its country").select_option(label="India")
    field(panel, "Its level").select_option(label="Court in the requesting state")
    field(panel, "Decision").select_option(label="Convicted")
    field(panel, "Decision detail").fill("on all counts")
    field(panel, "Date").fill("10 May 2019")
    conviction_summary = "The trial court convicted the co-accused."
    field(panel, "Summary").fill(conviction_summary)
    panel.get_by_role("button", name="Save").click()
    expect(messages).to_contain_text("Court ruling added to the timeline.")
    expect(entry_of(page, conviction_summary).locator(".decision")).to_have_text("Convicted — on all counts")

    open_more_actions(page, "Record the outcome")
    field(panel, "Extradition outcome").select_option(label="Extradited")
    field(panel, "After surrender").select_option(label="Convicted")
    panel.get_by_role("button", name="Save").click()
    expect(messages).to_contain_text("Outcome recorded.")
    expect(page.locator(".stage-now .badge")).to_have_text("Extradited: convicted")

    open_more_actions(page, "Close the case")
    field(panel, "Outcome").select_option(label="Extradited")
    field(panel, "After surrender").select_option(label="Convicted")
    field(panel, "Closed on").fill("2025-06-01")
    panel.get_by_role("button", name="Save").click()
    expect(messages).to_contain_text("Case closed.")
    expect(page.locator(".stage-now .badge")).to_have_text("Closed after surrender: convicted")
    page.screenshot(path=test_results_dir / "record-v2-co-accused.png", full_page=True)

    # The list tells a case closed after surrender from one closed without extradition.
    page.goto("/?status=closed_extradited")
    row = page.locator("table.cases tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator(".badge.extradited")).to_have_text("Closed after surrender: convicted")
    expect(row.locator(".badge.related")).to_have_text("related")
    page.goto("/?related=yes")
    expect(page.locator("table.cases tbody tr")).to_have_count(2)
    page.screenshot(path=test_results_dir / "record-v2-list.png", full_page=True)

    browser_console.assert_clean()


def test_the_demo_shows_the_second_generation_record(page, current_demo_logins, browser_console, test_results_dir):
    """The demo every install shows: reported speech, an executive decision, a month-only stage change,
    a related matter, and a conviction after surrender, each shown as what it is."""
    log_in(page, *current_demo_logins["Viewer"])
    page.get_by_role("link", name=RANA).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(RANA)
    timeline = page.locator("#timeline-list")

    reported = entry_of(page, "India said it was working with the US to complete the formalities")
    expect(reported).to_contain_text("Reported speech")
    said = reported.inner_text()
    assert "President Trump's supportive comments" in said and "“" not in said and "”" not in said
    quoted = entry_of(page, "India said it is working with US authorities to expedite")
    expect(quoted.locator("blockquote")).to_contain_text("We will keep you updated")

    decision = entry_of(page, "Secretary of State Marco Rubio authorised")
    expect(decision.locator("time.date")).to_have_text("Feb 2025")
    expect(decision.locator(".decision")).to_contain_text("Surrender authorised")
    expect(decision.locator(".official")).to_contain_text("Marco Rubio")
    expect(decision.locator(".note")).to_contain_text("unconfirmed")

    track = page.locator(".stage-track")
    expect(track).to_contain_text("Feb 2025")
    expect(track).not_to_contain_text("1 Feb 2025")
    expect(timeline.get_by_role("link", name="Edit", exact=True)).to_have_count(0)
    page.screenshot(path=test_results_dir / "demo-rana.png", full_page=True)

    page.get_by_role("link", name="David Headley (US → India)").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("David Headley (US → India)")
    expect(page.get_by_role("link", name=RANA).first).to_be_visible()
    expect(page.locator("#timeline-list")).to_contain_text("Convicted")

    page.goto("/")
    page.get_by_role("link", name="Abu Salem (Portugal → India)").click()
    conviction = entry_of(page, "The special TADA court convicted Salem in the 1993")
    expect(conviction.locator(".decision")).to_contain_text("Convicted")
    expect(page.locator("main")).to_contain_text("Extradited: serving sentence")
    page.screenshot(path=test_results_dir / "demo-salem.png", full_page=True)
    browser_console.assert_clean()


def test_the_header_search_finds_the_case_from_a_misspelt_name_by_keyboard(
    page, current_demo_logins, browser_console, test_results_dir
):
    """From any page: a misspelling typed in the header's search box suggests the person's case;
    the down arrow reaches it, Escape closes the list, Enter follows the link."""
    log_in(page, *current_demo_logins["Viewer"])
    page.goto("/treaties/")
    box = page.get_by_role("searchbox", name="Find cases, people and events")
    suggestions = page.locator("#header-search-suggestions")

    box.press_sequentially("Tahawur", delay=30)
    rana = suggestions.get_by_role("link", name=re.compile(r"^Tahawwur Rana \(US → India\)"))
    expect(rana).to_be_visible()
    expect(suggestions).to_contain_text("People")
    expect(page.locator("#header-search-status")).to_contain_text("suggested")
    page.screenshot(path=test_results_dir / "header-search.png")

    # Escape closes the list and leaves the words in the box; typing again brings it back.
    box.press("Escape")
    expect(suggestions.get_by_role("link")).to_have_count(0)
    expect(box).to_have_value("Tahawur")
    box.press("End")
    box.press_sequentially(" ", delay=30)
    box.press("Backspace")
    expect(rana).to_be_visible()

    box.press("ArrowDown")
    expect(rana).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/cases/{RANA_REFERENCE}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(RANA)

    # Submitting the box shows every result, in three groups.
    box = page.get_by_role("searchbox", name="Find cases, people and events")
    box.fill("Rana")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=Rana$"))
    for group in ("Cases", "People", "Events"):
        expect(page.get_by_role("heading", level=2, name=group)).to_be_visible()
    page.screenshot(path=test_results_dir / "search-results.png", full_page=True)
    browser_console.assert_clean()


def test_the_demo_case_page_shows_its_time_limits(page, current_demo_logins, browser_console, test_results_dir):
    """The clocks the Rana record implies: the treaty's 60 days for the formal request (met), and
    § 3188's two months after the committal (passed: he was surrendered in 2025)."""
    log_in(page, *current_demo_logins["Analyst"])
    page.goto(f"/cases/{RANA_REFERENCE}/")
    panel = page.get_by_role("region", name="Time limits")
    request = panel.get_by_role("article", name="Formal request after provisional arrest")
    expect(request).to_contain_text("Met")
    expect(request).to_contain_text("last day 9 Aug 2020")
    expect(request.get_by_role("link", name=re.compile(r"Art\. 12\(4\)"))).to_have_attribute(
        "href", re.compile(r"^https://en\.wikisource\.org/")
    )
    release = panel.get_by_role("article", name="Surrender within two calendar months of committal")
    expect(release).to_contain_text("Lapsed")
    expect(release).to_contain_text("16 Jul 2023")
    expect(release).to_contain_text("may apply for release; not automatic")
    page.screenshot(path=test_results_dir / "demo-rana-clocks.png", full_page=True)

    release.get_by_role("link", name=re.compile("Correct or set aside")).click()
    page.get_by_label("Corrected last day").fill("2023-08-10")
    page.get_by_label("Reason").fill("Habeas petition decided 10 Aug 2023; counsel counts from then.")
    page.get_by_role("button", name="Save").click()
    release = page.get_by_role("region", name="Time limits").get_by_role(
        "article", name="Surrender within two calendar months of committal"
    )
    expect(release).to_contain_text("10 Aug 2023")
    expect(release).to_contain_text("Habeas petition decided")

    page.get_by_role("link", name="Clocks", exact=True).click()
    page.get_by_label("Show").select_option("settled")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("article", name=re.compile("Formal request after provisional arrest"))).to_be_visible()
    browser_console.assert_clean()


def test_drafting_from_the_seed_article_offers_sources_not_duplicates(page, current_demo_logins, browser_console, test_results_dir):
    """The analyst pastes the report the project started from into the demo case: what the timeline
    already holds is shown as such, unticked, with the article offered as a further source; the
    review is compact on a phone too; confirming adds no event."""
    from tests.test_exchange_drafting import ARTICLE

    log_in(page, *current_demo_logins["Analyst"])
    before = Case.objects.get(reference=RANA_REFERENCE).events.count()
    page.goto(f"/cases/{RANA_REFERENCE}/")
    open_more_actions(page, "Draft events from an article")
    field(page, "Text of the article").fill(ARTICLE)
    field(page, "Published on").fill("2025-01-31")
    field(page, "Title").fill("India working with US to expedite Rana's extradition")
    field(page, "Address").fill("https://example.org/rana-2025-01-31")
    page.get_by_role("button", name="Propose events").click()
    recorded = page.locator("fieldset.draft-recorded")
    expect(recorded.first).to_be_visible()
    expect(recorded.first).to_contain_text("Already recorded")
    expect(recorded.first.get_by_label("Record this event")).not_to_be_checked()
    expect(recorded.first.get_by_label(re.compile("Add this article as a further source"))).to_be_checked()
    expect(page.locator(".draft-evidence mark").first).to_be_visible()
    page.screenshot(path=test_results_dir / "drafting-review.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=test_results_dir / "drafting-review-phone.png", full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.get_by_role("button", name="Record the ticked events").click()
    expect(page.get_by_text(re.compile("added it as a source of"))).to_be_visible()
    assert Case.objects.get(reference=RANA_REFERENCE).events.count() == before
    browser_console.assert_clean()


def _code(key_base32: str, *, steps_ahead: int = 0) -> str:
    import base64
    import time

    from django_otp.oath import TOTP

    totp = TOTP(base64.b32decode(key_base32 + "=" * (-len(key_base32) % 8)))
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def test_an_analyst_turns_on_two_factor_login_then_logs_in_with_a_code(
    page, current_demo_logins, browser_console, test_results_dir
):
    username, password = current_demo_logins["Analyst"]
    log_in(page, username, password)
    page.get_by_role("link", name="Account", exact=True).click()
    expect(page.get_by_role("heading", name="Account and security")).to_be_visible()
    page.get_by_role("link", name="Set up an authenticator app").click()
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    key = page.locator("#two-factor-key").inner_text()
    field(page, "Code from your authenticator app").fill(_code(key))
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_text("Two-factor login is on")).to_be_visible()
    page.screenshot(path=test_results_dir / "account-two-factor-on.png", full_page=True)

    page.get_by_role("button", name=re.compile("^Log out")).click()
    page.goto("/accounts/login/")
    field(page, "Username").fill(username)
    field(page, "Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    # The code of the next 30 seconds: the one used to turn it on cannot be used again.
    field(page, "Code from your authenticator app").fill(_code(key, steps_ahead=1))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Cases", exact=True)).to_be_visible()
    browser_console.assert_clean()


# Analytics and the picture of a case ---------------------------------------------------------------

def test_analytics_page_and_case_picture_at_both_widths(
    new_page, workspace_logins, axe_violations, browser_console, test_results_dir
):
    for width in (1366, 390):
        _analytics_and_picture_at(new_page, workspace_logins, axe_violations, test_results_dir, width)
    browser_console.assert_clean()


def _analytics_and_picture_at(new_page, workspace_logins, axe_violations, test_results_dir, width):
    # axe-core is injected as a script, which the app's CSP rightly refuses: this context lets it in.
    page = new_page(viewport={"width": width, "height": 900}, bypass_csp=True)
    log_in(page, *workspace_logins["Viewer"])
    if width < 600:
        page.goto("/analytics/")
    else:
        page.get_by_role("link", name="Analytics", exact=True).click()
    expect(page.get_by_role("heading", name="Analytics across matters")).to_be_visible()
    for heading in ("Time in each stage", "Time to surrender", "How matters ended, and at which stage",
                    "Open matters longest in their stage", "Stage changes per month"):
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    expect(page.get_by_role("img", name="Share of matters not yet surrendered")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=test_results_dir / f"analytics-{width}.png", full_page=True)
    assert axe_violations(page) == ""

    with page.expect_download() as download:
        page.locator("#endings").get_by_role("link", name="Download these numbers (CSV)").click()
    assert Path(download.value.path()).read_text(encoding="utf-8").startswith("outcome,stage reached,matters")

    field(page, "Requested state").select_option("GB")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("4 matters chosen.")).to_be_visible()

    page.goto("/cases/assange-uk-us/")
    picture = page.get_by_role("group", name=re.compile("entries by forum, to scale"))
    expect(picture).to_be_visible()
    page.locator(".case-picture").screenshot(path=test_results_dir / f"case-picture-{width}.png")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    first_mark = page.locator(".case-picture svg a").first
    target = first_mark.get_attribute("href")
    first_mark.click()
    assert page.url.endswith(target)
    expect(page.locator(target)).to_be_visible()
    assert axe_violations(page) == ""

"""The analyst's workspace in the browser: logging an event with the keyboard alone, from the case
page's primary action to the saved entry, at a desktop's and a phone's width."""

import re

import pytest
from playwright.sync_api import Page, expect

from cases.models import Case, Event

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RANA = "Tahawwur Rana (US → India)"


def _log_in(page: Page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.keyboard.press("Tab")  # from the top of the page, as a keyboard user starts
    page.get_by_label(re.compile(r"^Username:?$")).focus()
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Cases", exact=True)).to_be_visible()


def _focused(page: Page) -> str:
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return (e.getAttribute('aria-label') || e.labels?.[0]?.innerText || e.innerText || e.id || '').trim(); }"
    )


def _tab_to(page: Page, name: str | re.Pattern, limit: int) -> int:
    """Press Tab until the focused element is called ``name``; returns how many presses it took."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        focused = _focused(page)
        if (name.search(focused) if isinstance(name, re.Pattern) else focused == name):
            return presses
    raise AssertionError(f"{name!r} not reached in {limit} Tab presses (last: {_focused(page)!r})")


@pytest.mark.parametrize("width,height", [(1366, 900), (390, 844)])
def test_an_analyst_logs_a_status_update_with_the_keyboard_alone(new_page, demo_logins, browser_console, test_results_dir, width, height):
    page = new_page(viewport={"width": width, "height": height})
    _log_in(page, *demo_logins["Analyst"])
    case = Case.objects.get(title=RANA)
    page.goto(case.get_absolute_url())

    # The primary action is a few key presses from the top, before the timeline, however long it is.
    presses = _tab_to(page, "Log what happened", limit=25)
    assert presses <= 20, presses
    page.keyboard.press("Enter")
    _tab_to(page, "Status update", limit=12)
    page.keyboard.press("Enter")
    panel = page.locator("#form-panel")
    expect(panel.get_by_role("heading", name=re.compile("status update", re.I))).to_be_focused()

    # A save with nothing filled in: the summary of problems takes the focus, each a link to its field.
    _tab_to(page, "Save", limit=40)
    page.keyboard.press("Enter")
    summary = panel.locator(".error-summary")
    expect(summary).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the first problem's link takes the focus to its field
    expect(panel.get_by_label(re.compile(r"^About"))).to_be_focused()
    page.screenshot(path=test_results_dir / f"workspace-error-summary-{width}.png", full_page=True)

    # Filled in from the keyboard, saved, and the new entry has the focus.
    page.keyboard.press("End")  # "Other"
    _tab_to(page, re.compile(r"^Date"), limit=5)
    page.keyboard.type("14 Feb 2025")
    _tab_to(page, re.compile(r"^Summary"), limit=5)
    page.keyboard.type("Moved to the Metropolitan Detention Center, Los Angeles.")
    _tab_to(page, "Save", limit=40)
    page.keyboard.press("Enter")
    expect(page.locator("#messages")).to_contain_text("added to the timeline")
    event = Event.objects.get(case=case, summary="Moved to the Metropolitan Detention Center, Los Angeles.")
    expect(page.locator(f"#event-{event.pk}")).to_be_focused()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=test_results_dir / f"workspace-case-{width}.png", full_page=True)
    browser_console.assert_clean()


@pytest.mark.parametrize("width,height", [(1366, 900), (390, 844)])
def test_a_move_back_is_asked_about_before_it_is_made(new_page, demo_logins, browser_console, test_results_dir, width, height):
    page = new_page(viewport={"width": width, "height": height})
    _log_in(page, *demo_logins["Analyst"])
    case = Case.objects.get(title=RANA)
    page.goto(case.get_absolute_url())
    page.locator(".case-actions").get_by_role("link", name="Change stage").click()
    panel = page.locator("#form-panel")
    stage = panel.get_by_label(re.compile(r"^New stage"))
    expect(panel).to_contain_text(f"Now: “{case.get_stage_display()}”.")
    expect(stage).to_have_value("")  # a hurried Save moves nothing
    panel.get_by_role("button", name="Save").click()
    expect(panel.locator(".error-summary")).to_contain_text("Choose the stage the case has moved to.")

    stage.select_option(label="Before request")
    panel.get_by_label(re.compile(r"^Reason")).fill("Entered at the wrong stage.")
    panel.get_by_label(re.compile(r"^Date")).first.fill("31 Jan 2025")
    panel.get_by_role("button", name="Save").click()
    summary = panel.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("tick the box to confirm the move back")
    page.screenshot(path=test_results_dir / f"workspace-stage-confirm-{width}.png", full_page=True)
    assert Case.objects.get(pk=case.pk).stage == case.stage

    panel.get_by_label(re.compile(r"^Yes, move the case back")).check()
    panel.get_by_role("button", name="Save").click()
    expect(page.locator("#messages")).to_contain_text("Stage changed to “Before request”.")
    assert Case.objects.get(pk=case.pk).stage == "before_request"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    browser_console.assert_clean()

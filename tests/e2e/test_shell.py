"""The browser app's frame: signing in and out, the top bar, the jobs page."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD, MembershipFactory, UserFactory
from workers.models import Job

pytestmark = pytest.mark.django_db(transaction=True)


def test_sign_in_returns_to_the_page_asked_and_sign_out_to_login(  # type: ignore[no-untyped-def]
    live_server, page, screenshot, console_errors
) -> None:
    user = UserFactory(username="ayesha")
    page.goto(live_server.url + "/jobs/")
    assert page.url == f"{live_server.url}/login/?next=/jobs/"
    page.fill("#id_username", "ayesha")
    page.fill("#id_password", "wrong password")
    page.click("button[type=submit]")
    assert page.get_by_role("alert").inner_text().startswith("Your username and password")
    screenshot("login-error")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/jobs/")
    assert page.locator(".topbar .user strong").inner_text() == user.username
    # (Checked before signing out: a running-jobs poll that fires while the sign-out is on
    # its way gets a 401, which the browser logs.)
    assert console_errors == []
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server.url}/login/")
    page.goto(live_server.url + "/teams/")
    assert "/login/" in page.url


def test_jobs_page_shows_progress_and_errors_in_words(  # type: ignore[no-untyped-def]
    page, sign_in, screenshot, console_errors
) -> None:
    membership = MembershipFactory(role="manager")
    user = membership.user
    Job.objects.create(
        kind="build_dataset",
        owner=user,
        team=membership.team,
        status="running",
        progress=0.4,
        message="Writing COCO",
    )
    Job.objects.create(
        kind="ingest_upload",
        owner=user,
        team=membership.team,
        status="failed",
        error="scene.tif is not a TIFF (it starts with 'hello').",
    )
    url = sign_in(user)
    page.goto(url + "/jobs/")
    running = page.locator("[data-job-status=running]")
    running.wait_for()
    assert "Dataset build" in running.inner_text()
    assert "Writing COCO" in running.inner_text()
    assert running.locator("progress").get_attribute("value") == "40"
    failed_row = page.locator("tr", has_text="Ingest upload")
    assert "is not a TIFF" in failed_row.inner_text()
    # The top bar counts the running job.
    assert page.locator(".topbar .badge").inner_text() == "1"
    screenshot("jobs")
    assert console_errors == []


def test_a_page_gives_the_browser_the_csrf_cookie_its_writes_need(  # type: ignore[no-untyped-def]
    page, sign_in
) -> None:
    user = MembershipFactory(role="manager").user
    url = sign_in(user)  # a session cookie only, as after an SSO or a stale tab
    page.goto(url + "/jobs/")
    assert "csrftoken" in {cookie["name"] for cookie in page.context.cookies()}

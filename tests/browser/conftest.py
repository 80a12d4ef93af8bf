"""Browser tests: Playwright driving Debian's Chromium against a live Ouvert server.

Without Chromium they skip with a message, unless ``OUVERT_REQUIRE_BROWSER=1`` (CI), which
turns the absence into a failure.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API keeps an event loop in this thread; the ORM calls tests make between
# browser steps are synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# The live server writes a response's headers and body in separate packets; with Nagle's algorithm
# and delayed ACKs each request would wait about 40 ms for nothing.
from django.core.servers.basehttp import WSGIRequestHandler  # noqa: E402

WSGIRequestHandler.disable_nagle_algorithm = True

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("OUVERT_CHROMIUM", "/usr/bin/chromium")
REQUIRED = os.environ.get("OUVERT_REQUIRE_BROWSER") == "1"


def _unavailable(reason: str):
    if REQUIRED:
        pytest.fail(f"browser tests are required (OUVERT_REQUIRE_BROWSER=1) but {reason}")
    pytest.skip(f"browser tests skipped: {reason}")


@pytest.fixture(scope="session")
def browser():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        _unavailable(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def mobile_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 360, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def axe_violations(page) -> list[dict]:
    """Run axe-core on the current page with the WCAG 2.1 A and AA rules; returns violations."""
    if not AXE.exists():
        _unavailable(f"axe-core is not installed ({AXE}); run `npm ci`")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"""
    )
    return result["violations"]


def describe(violations: list[dict]) -> str:
    return json.dumps(
        [{"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]} for v in violations],
        indent=1,
    )


@pytest.fixture(autouse=True)
def _empty_rate_limits(request):
    """Each browser test starts with empty rate-limit counters (the licences are put back by the
    root conftest's ``_reference_data``)."""
    if "live_server" not in request.fixturenames:
        yield
        return
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def new_page(browser, live_server):
    """``new_page(**context_options)``: a page in a fresh browser context (its own cookies),
    e.g. one per person in a scenario. All are closed at the end of the test."""
    contexts = []

    def factory(**options):
        options.setdefault("viewport", {"width": 1280, "height": 900})
        context = browser.new_context(base_url=live_server.url, **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield factory
    for context in contexts:
        context.close()


def sign_in(page, username: str, password: str, *, language: str = "en") -> None:
    """Sign in through the sign-in form."""
    page.goto(f"/{language}/accounts/login/")
    form = page.locator("main form[action$='/accounts/login/']")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(password)
    form.get_by_role("button").click()
    page.wait_for_load_state()
    assert page.locator("header form[action$='/accounts/logout/']").count() == 1, (
        f"signing in as {username} failed on {page.url}")


def force_sign_in(page, user, live_server) -> None:
    """Give the page's context a session for ``user`` without going through the form."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}])

"""Page quality across the app: every page in the navigation, and the settings pages beside it,
passes axe-core (no serious or critical violation) for a brand member on a desktop, for a
creator on a phone (with nothing wider than the screen) and for a visitor signed in as nobody.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from tests.e2e.support import DESKTOP, PHONE, LiveApp, Quality, new_context

DEMO_EMAIL = "demo@microreach.local"
DEMO_PASSWORD = "microreach-demo"
BRAND_EXTRA = (
    "/brands/profile",
    "/organisation/api-keys",
    "/imports",
    "/links",
    "/links/new",
    "/links/bulk",
    "/links/domains",
    "/reports/tiers",
    "/mail",
)
CREATOR_EXTRA = ("/portal", "/portal/campaigns", "/portal/bio", "/portal/connections", "/mail")
ANONYMOUS = ("/", "/discover", "/sign-in", "/sign-up", "/portal/sign-up", "/forgot-password")


def nav_paths(page: Any, app: LiveApp) -> list[str]:
    """The same-origin pages the top navigation links to (the API reference is Swagger UI's)."""
    found = []
    for href in page.eval_on_selector_all(".topnav a", "links => links.map(a => a.href)"):
        parts = urlsplit(href)
        if href.startswith(app.url) and parts.path != "/api/docs":
            found.append(parts.path)
    return found


def visit_all(page: Any, app: LiveApp, paths: list[str], quality: Quality, phone: bool) -> None:
    for path in dict.fromkeys(paths):
        response = page.goto(app.path(path))
        assert response is not None and response.status == 200, f"{path}: {response}"
        name = ("phone" if phone else "desktop") + (path.replace("/", "-").rstrip("-") or "-home")
        quality.check(page, name, phone=phone)


def sign_in(page: Any, app: LiveApp, email: str, password: str) -> None:
    page.goto(app.path("/sign-in"))
    page.fill("#f-email", email)
    page.fill("#f-password", password)
    page.click("form.form-stack button[type=submit]")
    page.wait_for_load_state("load")
    assert page.locator(".nav-form").count() == 1, page.inner_text("main")


def test_brand_pages_pass_axe(browser: Any, app: LiveApp, quality: Quality) -> None:
    context = new_context(browser, viewport=DESKTOP)
    try:
        page = context.new_page()
        sign_in(page, app, DEMO_EMAIL, DEMO_PASSWORD)
        paths = [*nav_paths(page, app), *BRAND_EXTRA]
        assert "/campaigns" in paths and "/discover" in paths, paths
        visit_all(page, app, paths, quality, phone=False)
    finally:
        context.close()
    quality.assert_clean()


def test_creator_pages_pass_axe_and_fit_a_phone(
    browser: Any, app: LiveApp, quality: Quality
) -> None:
    context = new_context(browser, viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(app.path("/portal/sign-up"))
        page.fill("#f-email", "phone.creator@creators.example")
        page.fill("#f-display_name", "Phone Creator")
        page.fill("#f-password", "phone-password-1")
        page.click("button:has-text('Create creator account')")
        page.wait_for_load_state("load")
        paths = [*nav_paths(page, app), *CREATOR_EXTRA]
        assert "/portal/campaigns" in paths, paths
        visit_all(page, app, paths, quality, phone=True)
    finally:
        context.close()
    quality.assert_clean()


def test_public_pages_pass_axe(browser: Any, app: LiveApp, quality: Quality) -> None:
    context = new_context(browser, viewport=PHONE, is_mobile=True)
    try:
        visit_all(context.new_page(), app, list(ANONYMOUS), quality, phone=True)
    finally:
        context.close()
    quality.assert_clean()

"""Playwright drives Debian's Chromium (/usr/bin/chromium) against the live server; never a downloaded browser."""

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    if os.environ.get("REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(
            "REQUIRE_BROWSER=1 but /usr/bin/chromium is missing: install Debian's chromium package."
        )
    skip = pytest.mark.skip(
        reason="/usr/bin/chromium is missing: install Debian's chromium package to run browser tests"
    )
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """Reduced motion: Bootstrap then skips its transitions, so axe never measures a colour halfway through a fade."""
    return {**browser_context_args, "reduced_motion": "reduce", "locale": "en-US", "timezone_id": "America/Chicago"}


_AXE = Axe()


def axe_violations(page) -> list[str]:
    """axe-core's violations on the page as it is now, one readable line per offending element."""
    page.wait_for_load_state("load")
    assert page.evaluate("Array.from(document.styleSheets).some(s => s.cssRules.length > 0)"), (
        f"{page.url}: no style sheet loaded, so contrast and layout checks would mean nothing"
    )
    violations = _AXE.run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -> {node['target']} {node.get('failureSummary', '')!r}"
        for v in violations
        for node in v["nodes"]
    ]


@pytest.fixture
def assert_accessible(page):
    """Fail with axe-core's findings unless the current page has zero violations."""

    def check(label: str = "") -> None:
        found = axe_violations(page)
        assert not found, f"axe found {len(found)} violation(s) on {label or page.url}:\n" + "\n".join(found)

    return check


@pytest.fixture
def screenshot(page, assert_accessible):
    """Check the page with axe-core (zero violations), then save a full-page screenshot under
    test-artifacts/screenshots/ (gitignored) for people to look at. Every page a test photographs is checked."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(name: str, *, axe: bool = True) -> Path:
        if axe:
            assert_accessible(name)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def screenshot_of():
    """screenshot_of(other_page, name): what `screenshot` does, for a page other than the test's `page` (a second
    person's tab, at another viewport): axe-core finds zero violations, then a full-page screenshot."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(other, name: str) -> Path:
        found = axe_violations(other)
        assert not found, f"axe found {len(found)} violation(s) on {name}:\n" + "\n".join(found)
        path = ARTIFACTS / f"{name}.png"
        other.screenshot(path=str(path), full_page=True)
        return path

    return take

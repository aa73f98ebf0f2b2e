"""Layout checks shared by the browser tests."""

from playwright.sync_api import Page

LAPTOP = {"width": 1366, "height": 768}


def assert_no_sideways_scrolling(page: Page) -> None:
    widths = page.evaluate(
        """() => {
            const table = document.querySelector('#result_list');
            const box = table.closest('.results') || table.parentElement;
            return {table: table.scrollWidth, box: box.clientWidth, boxScroll: box.scrollWidth,
                    page: document.documentElement.scrollWidth};
        }"""
    )
    assert widths["table"] <= widths["box"], widths
    assert widths["boxScroll"] <= widths["box"], widths
    assert widths["page"] <= LAPTOP["width"], widths

"""courses.links.url_for is reverse() for a row's one whole-number key, under any script prefix."""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, reverse, set_script_prefix

from courses.links import url_for

NAMES = ["admin:payments_receipt", "admin:payments_refund_confirm", "admin:enrollment_enrollment_change"]
KEYS = [1, 7, 10, 99, 123_456, 2**31 - 1]


@pytest.mark.parametrize("name", NAMES)
def test_a_link_is_what_reverse_gives(name):
    assert [url_for(name, key) for key in KEYS] == [reverse(name, args=[key]) for key in KEYS]


def test_a_link_follows_the_script_prefix():
    try:
        set_script_prefix("/school/")
        assert url_for("admin:payments_receipt", 5) == reverse("admin:payments_receipt", args=[5])
        assert url_for("admin:payments_receipt", 5).startswith("/school/")
    finally:
        set_script_prefix("/")
    assert url_for("admin:payments_receipt", 5) == reverse("admin:payments_receipt", args=[5])


def test_a_key_is_a_whole_number():
    with pytest.raises(ValueError):
        url_for("admin:payments_receipt", "5/../../x")
    with pytest.raises(NoReverseMatch):
        url_for("admin:index", 5)  # takes no key

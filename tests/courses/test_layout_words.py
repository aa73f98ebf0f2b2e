"""The site's layout (templates/base.html), around every public page, says which language the page is in. That every
word of it is marked for translation is checked with every other template (tests/elite/test_translation_marks.py)."""

from django.test import Client
from django.utils import translation


def test_the_page_says_which_language_it_is_in(db):
    assert '<html lang="en-us">' in Client().get("/privacy/").text
    with translation.override("es"):
        assert '<html lang="es">' in Client().get("/privacy/").text

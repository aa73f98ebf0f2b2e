"""The site's layout (templates/base.html), around every public page, is ready for Spanish: every word a visitor
reads or hears (text, link names, labels for screen readers, the page's description) is marked for translation, and
the page says which language it is in."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

BASE = Path(settings.BASE_DIR) / "templates" / "base.html"
# Markup and template code, and what is not words: entities, symbols, the brand mark.
NOT_WORDS = [
    r"\{%.*?%\}",  # tags, {% translate "..." %} included
    r"\{\{.*?\}\}",  # variables: the school's name and contact details come from its profile
    r"\{#.*?#\}",
    r"<(script|style)\b.*?</\1>",
]
READ_ATTRIBUTES = ("aria-label", "content", "title", "alt", "placeholder")


def _unmarked_words(source: str) -> list[str]:
    text = source
    for attribute in READ_ATTRIBUTES:
        # An attribute people read or hear must hold template code only ({% translate %} or a variable).
        for value in re.findall(rf'{attribute}="((?:\{{%.*?%\}}|\{{\{{.*?\}}\}}|[^"])*)"', text):
            if attribute == "content" and value.startswith(("width=", "utf-8")):
                continue
            bare = re.sub("|".join(NOT_WORDS[:3]), "", value, flags=re.S)
            assert not re.search(r"[A-Za-z]{2,}", bare), f'{attribute}="{value}" is not marked for translation'
    for pattern in NOT_WORDS:
        text = re.sub(pattern, " ", text, flags=re.S)
    text = re.sub(r"<[^>]*>", " ", text)
    text = re.sub(r"&\w+;", " ", text)
    return re.findall(r"[A-Za-z]{2,}", text)


def test_every_word_of_the_layout_is_marked_for_translation():
    assert _unmarked_words(BASE.read_text()) == []


def test_the_check_finds_a_word_left_unmarked():
    # The check itself: a word in the text, or in a label, is caught.
    assert _unmarked_words('<a href="/courses/">Courses</a>') == ["Courses"]
    with pytest.raises(AssertionError, match="not marked for translation"):
        _unmarked_words('<button aria-label="Toggle navigation"></button>')
    assert _unmarked_words('<button aria-label="{% translate "Toggle navigation" %}"></button>') == []


def test_the_page_says_which_language_it_is_in(db):
    assert '<html lang="en-us">' in Client().get("/privacy/").text
    with translation.override("es"):
        assert '<html lang="es">' in Client().get("/privacy/").text

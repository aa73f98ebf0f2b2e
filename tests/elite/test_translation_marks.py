"""Ready for Spanish: every word a student, a preceptor, an instructor or staff read or hear, in every template and in
the Python that writes pages, e-mails and messages, is marked for translation.

Templates: once template code (tags, `{% blocktranslate %}` blocks, variables, comments) and markup are taken out,
no word may be left, and an attribute people read or hear (`aria-label`, `title`, `alt`, `placeholder`, a meta
`content`) holds template code only. CSS class names in `{% block bodyclass %}` are not words.

Python: a literal sentence given where people will read it (an admin column's or action's description, a filter's
title, a form field's label or help text, a model field's verbose name or help text, a message to the user, a
ValidationError, an EnrollmentError, an e-mail subject, a 404's text, a seat-board or roster line) must go through
gettext. Log lines are for operators and stay in English; demo/ writes sample data into the database. What is
translated when a module is imported (a class attribute, a decorator's argument, a module-level table) must be lazy:
plain gettext there would fix the words in whatever language was active at start-up, i.e. English, for good."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
# Not words: the file format a link downloads, and the levels' own abbreviations where a template writes one out.
NOT_TRANSLATED = {"PDF", "CSV"}
WORD = r"[A-Za-z]{2,}"
READ_ATTRIBUTES = ("aria-label", "content", "title", "alt", "placeholder")
TEMPLATE_CODE = [
    r"\{% block bodyclass %\}.*?\{% endblock %\}",  # CSS class names
    r"\{% comment %\}.*?\{% endcomment %\}",
    r"\{% blocktranslate\b.*?\{% endblocktranslate %\}",
    r"\{%.*?%\}",  # tags, {% translate "..." %} included
    r"\{\{.*?\}\}",  # variables: names, codes, the school's details come from the database
    r"\{#.*?#\}",
    r"<(script|style)\b.*?</\1>",
]

# Python: the keywords and names whose literal string argument people read.
READ_KEYWORDS = {
    "description",
    "verbose_name",
    "verbose_name_plural",
    "help_text",
    "label",
    "title",
    "empty_value_display",
    "short_description",
    "empty_label",
    "subject",
    "placeholder",
}
READ_CALLS = {
    "success",
    "error",
    "warning",
    "info",
    "add_message",
    "message_user",
    "ValidationError",
    "EnrollmentError",
    "Http404",
    "PermissionDenied",
    "HttpResponseBadRequest",
    "SeatBoardFlag",
    "RosterNote",
}
LOGGERS = {"logger", "log", "logging"}
NOT_SCANNED = {"tests", "demo", "bench", ".venv", "node_modules", "migrations", "static", "staticfiles"}


def unmarked_words(source: str) -> list[str]:
    """The words of a template left outside template code; raises AssertionError for an unmarked attribute."""
    for attribute in READ_ATTRIBUTES:
        for value in re.findall(rf'\s{attribute}="((?:\{{%.*?%\}}|\{{\{{.*?\}}\}}|[^"])*)"', source):
            if attribute == "content" and value.startswith(("width=", "utf-8", "text/html")):
                continue
            bare = re.sub("|".join(TEMPLATE_CODE[2:6]), "", value, flags=re.S)
            assert not re.search(WORD, bare), f'{attribute}="{value}" is not marked for translation'
    text = source
    for pattern in TEMPLATE_CODE:
        text = re.sub(pattern, " ", text, flags=re.S)
    text = re.sub(r"<[^>]*>", " ", text)
    text = re.sub(r"&\w+;", " ", text)
    text = re.sub(r"https?://\S+", " ", text)
    return [word for word in re.findall(WORD, text) if word not in NOT_TRANSLATED]


def _template_files() -> list[Path]:
    return sorted(p for p in TEMPLATES.rglob("*") if p.suffix in {".html", ".txt"})


def _python_files() -> list[Path]:
    return sorted(
        p for p in ROOT.rglob("*.py") if not NOT_SCANNED.intersection(p.relative_to(ROOT).parts) and p.parent != ROOT
    )


def _called(func: ast.expr) -> str | None:
    if isinstance(func, ast.Attribute):
        if isinstance(func.value, ast.Name) and func.value.id in LOGGERS:
            return None
        return func.attr
    return func.id if isinstance(func, ast.Name) else None


def _is_sentence(node: ast.expr) -> bool:
    if isinstance(node, ast.JoinedStr):  # an f-string: words with values in, never through gettext
        return any(isinstance(part, ast.Constant) and re.search(WORD, part.value) for part in node.values)
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and bool(re.search(WORD, node.value))


def unmarked_strings(source: str) -> list[tuple[int, str]]:
    """(line, where) of each literal sentence given where people read it, not through gettext, by line."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.keyword) and node.arg in READ_KEYWORDS and _is_sentence(node.value):
            found.append((node.value.lineno, f"{node.arg}="))
        elif (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id in READ_KEYWORDS
            and _is_sentence(node.value)
        ):
            found.append((node.lineno, f"{node.targets[0].id} ="))
        elif isinstance(node, ast.Call) and _called(node.func) in READ_CALLS:
            found += [(arg.lineno, f"{_called(node.func)}(...)") for arg in node.args if _is_sentence(arg)]
    return sorted(found)


def translated_at_import(source: str) -> list[int]:
    """The lines where plain (not lazy) gettext or ngettext runs when the module is imported: outside any function
    body, in a class body, a decorator or a default argument."""
    tree = ast.parse(source)
    eager = {
        alias.asname or alias.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation"
        for alias in node.names
        if alias.name in {"gettext", "ngettext", "pgettext", "npgettext"}
    }
    found: list[int] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for part in [*node.decorator_list, *node.args.defaults, *filter(None, node.args.kw_defaults)]:
                visit(part)
            return  # the body runs when called
        if isinstance(node, ast.Lambda):
            return
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in eager:
            found.append(node.lineno)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return sorted(found)


def test_nothing_is_translated_once_and_for_all_at_import():
    left = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in _python_files()
        for line in translated_at_import(path.read_text())
    ]
    assert left == []


def test_the_import_check_finds_an_eager_translation():
    source = """
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
TITLES = {"a": _("Amount")}
class A:
    title = _("start month")
    @admin.display(description=_("amount"))
    def amount(self, row, label=_("Total")):
        return _("Fine here: at call time")
    lazy = gettext_lazy("Fine: lazy")
"""
    assert translated_at_import(source) == [4, 6, 7, 8]


@pytest.mark.parametrize("path", _template_files(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_every_word_of_every_template_is_marked(path):
    assert unmarked_words(path.read_text()) == []


def test_every_sentence_in_python_goes_through_gettext():
    left = [
        f"{path.relative_to(ROOT)}:{line}: {where}"
        for path in _python_files()
        for line, where in unmarked_strings(path.read_text())
    ]
    assert left == []


def test_the_template_check_finds_a_word_left_unmarked():
    assert unmarked_words('<a href="/courses/">Courses</a>') == ["Courses"]
    assert unmarked_words("Dear {{ name }},") == ["Dear"]
    assert unmarked_words("{% blocktranslate with name=s.first_name %}Dear {{ name }},{% endblocktranslate %}") == []
    assert unmarked_words("{% block bodyclass %}{{ block.super }} review-queue{% endblock %}") == []
    assert unmarked_words("{{ invoice.number }} (PDF)") == []
    with pytest.raises(AssertionError, match="not marked for translation"):
        unmarked_words('<button aria-label="Toggle navigation"></button>')
    assert unmarked_words('<button aria-label="{% translate "Toggle navigation" %}"></button>') == []


def test_the_python_check_finds_a_sentence_left_unmarked():
    source = """
from django.utils.translation import gettext as _
class A:
    title = "start month"
    @admin.display(description="Seats taken")
    def seats(self): ...
def f(cohort):
    messages.success(request, f"{cohort.code} saved.")
    raise EnrollmentError("Give a reason.", code="reason_missing")
def g(cohort):
    logger.warning("Mail server down: %s", cohort)
    messages.success(request, _("Saved."))
    raise EnrollmentError(_("%(code)s is full.") % {"code": cohort.code}, code="full")
"""
    assert [where for _line, where in sorted(unmarked_strings(source))] == [
        "title =",
        "description=",
        "success(...)",
        "EnrollmentError(...)",
    ]

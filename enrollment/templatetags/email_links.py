"""The HTML part of our e-mails: the same words as the text part, with only the school's own addresses as links."""

from __future__ import annotations

import re

from django import template
from django.conf import settings
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter(needs_autoescape=True)
def link_school_urls(text: str, autoescape: bool = True) -> SafeString:
    """Escape `text`, then make links of the addresses on our own site (the private link) and of nothing else: a
    name or a reason someone typed is never turned into a link."""
    escaped = conditional_escape(text) if autoescape else text
    ours = re.compile(re.escape(escape(settings.SITE_URL)) + r"/[^\s<&\"']*")
    return mark_safe(ours.sub(lambda match: f'<a href="{match[0]}">{match[0]}</a>', escaped))  # noqa: S308

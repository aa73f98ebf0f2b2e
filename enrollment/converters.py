"""Path converters of the student's pages."""

from __future__ import annotations


class PrivateLinkTokenConverter:
    """The token of a private enrollment link, as enrollment.models.new_token makes it: secrets.token_urlsafe(32), 43
    characters of the URL-safe alphabet. Anything else cannot be a token, so the URL does not match and the visitor
    gets the 404 page before any view runs or the database is asked (which could not even compare a NUL byte)."""

    regex = "[A-Za-z0-9_-]{43}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value

"""Requests no page of the site can use, refused before any view reads them."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

NUL = "\x00"


def has_nul(texts: Iterable[str]) -> bool:
    return any(NUL in text for text in texts)


class RequestBodyLimitMiddleware:
    """Answer 413 to a request whose body is announced larger than MAX_REQUEST_BODY_BYTES, without reading it.

    The largest legitimate body is a signup with a scan for each required credential; anything far larger is a
    mistake (a video instead of a photo) or an attack, and reading it first would tie up a worker for nothing.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads a malformed length as an empty body, and so do we
        if length > settings.MAX_REQUEST_BODY_BYTES:
            # The browser may still be sending: tell it not to reuse the connection.
            response = HttpResponse(render_to_string("413.html", request=request), status=413)
            response["Connection"] = "close"
            return response
        return self.get_response(request)


class NulByteMiddleware:
    """Answer 400 to a request with a NUL byte in its path, query string, form, cookies or headers.

    No page of ours has a use for one, and PostgreSQL can neither store nor compare text that holds one: passed on,
    it turns a lookup (a private link, a filter, an autocomplete) into a server error.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.carries_nul(request):
            return HttpResponse(render_to_string("400.html", request=request), status=400)
        return self.get_response(request)

    @staticmethod
    def carries_nul(request: HttpRequest) -> bool:
        if NUL in request.path_info or NUL in request.path:
            return True
        headers = (value for key, value in request.META.items() if key.startswith("HTTP_") and isinstance(value, str))
        if has_nul(headers) or has_nul(request.COOKIES) or has_nul(request.COOKIES.values()):
            return True
        # The form is parsed here, before any view: through the upload handlers of settings.FILE_UPLOAD_HANDLERS.
        queries = [request.GET, request.POST] if request.method == "POST" else [request.GET]
        return any(NUL in key or has_nul(values) for query in queries for key, values in query.lists())

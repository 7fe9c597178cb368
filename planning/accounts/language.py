"""The sign-in page speaks the installation's language (``LANGUAGE_CODE``) unless the user chose
another with the language switch (Django's language cookie).

Elsewhere Django's ``LocaleMiddleware`` also follows the browser's ``Accept-Language``, which
API clients rely on. On the sign-in page, shown before anyone is known, a browser set up in
English would otherwise hide the language the installation was set up in.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils import translation


def chosen_or_default_language(request: HttpRequest) -> str:
    """The language the user chose (the cookie), if it is one of ours, else the default."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if chosen:
        try:
            return translation.get_supported_language_variant(chosen)
        except LookupError:
            pass
    return settings.LANGUAGE_CODE


def in_chosen_or_default_language(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """Render ``view`` in :func:`chosen_or_default_language`, whatever the browser asks for."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        language = chosen_or_default_language(request)
        with translation.override(language):
            request.LANGUAGE_CODE = language
            response = view(request, *args, **kwargs)
            render = getattr(response, "render", None)
            if render is not None and not response.is_rendered:  # type: ignore[attr-defined]
                render()
        response.headers["Content-Language"] = language
        return response

    return wrapper

"""The language a signed-in user chose comes before the one their browser asks for.

Django's ``LocaleMiddleware`` takes the language cookie, else the browser's Accept-Language.
The cookie belongs to one browser: in a new browser (or once it expired) Accept-Language chose
again, whatever the user had picked. So the choice is kept with the user (``LanguageChoice``):
saved when they switch while signed in, or, as they sign in, taken from a switch they made
before (the cookie); otherwise the saved choice is used. The session remembers the answer, so
this costs a query at sign-in, not one per page.

API clients signed in with a token are not seen here (DRF authenticates them later) and keep
following Accept-Language.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from approvals.models import LanguageChoice

SESSION_KEY = "sop_language"


def supported_language(code: str | None) -> str:
    """``code`` as one of settings.LANGUAGES, or "" if it is none of them."""
    if not code:
        return ""
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return ""


def language_choose(*, user: Any, language: str) -> LanguageChoice:
    """Remember ``language`` (one of settings.LANGUAGES) as the user's choice."""
    with transaction.atomic():
        choice, _created = LanguageChoice.objects.update_or_create(
            user_id=user.pk, defaults={"language": language}
        )
    return choice


@receiver(user_logged_in, dispatch_uid="sop-chosen-language")
def chosen_language_on_sign_in(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    """Resolve the language as the session begins, so no page pays for it."""
    if request is not None and hasattr(request, "session"):
        request.session.pop(SESSION_KEY, None)
        chosen_language(request, kwargs["user"])


def chosen_language(request: HttpRequest, user: Any = None) -> str:
    """The signed-in user's language ("" if they never chose), resolved once per session."""
    if SESSION_KEY in request.session:
        return str(request.session[SESSION_KEY])
    user = user or request.user
    switched = supported_language(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
    if switched:
        language_choose(user=user, language=switched)
        language = switched
    else:
        saved = LanguageChoice.objects.filter(user_id=user.pk)
        language = supported_language(saved.values_list("language", flat=True).first())
    request.session[SESSION_KEY] = language
    return language


class ChosenLanguageMiddleware:
    """After authentication: activate the user's chosen language; save a switch they make."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in:
            language = chosen_language(request)
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if signed_in and _is_switch(request):
            switched = response.cookies.get(settings.LANGUAGE_COOKIE_NAME)
            language = supported_language(switched.value if switched else "")
            if language:
                language_choose(user=request.user, language=language)
                request.session[SESSION_KEY] = language
        return response


def _is_switch(request: HttpRequest) -> bool:
    match = request.resolver_match
    return request.method == "POST" and match is not None and match.url_name == "set_language"

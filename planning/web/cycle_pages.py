"""What every app's browser views share: the cycle's pages a form may be posted from, showing a
refused form again on the page it came from, and going back there after a success.

Each app registers the cycle pages it owns (``cycle_page_register``, from its ``page_contexts``
module, imported by its AppConfig); a form posted from any registered page of the cycle is shown
again on that page with its errors (400 for bad input, 409 for a conflict with the cycle's
state), and a success redirects back to it (POST/redirect/GET).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_htmx.middleware import HtmxDetails

from planning.access import cycle_for_user
from planning.errors import ApplicationError
from planning.models import Cycle


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


BAD_INPUT, CONFLICT = 400, 409


# --- refusals shown on the page -----------------------------------------------------------------


def form_errors_add(form: forms.Form, error: ValidationError) -> None:
    """A service's ValidationError onto ``form``: next to the field it names, else on top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    owns_field = getattr(form, "owns_field", lambda name: False)  # a form with rows
    for field, field_errors in error.error_dict.items():
        known = field in form.fields or owns_field(field)
        form.add_error(field if known else None, field_errors)


def run_service(form: forms.Form, call: Callable[[], Any]) -> int | None:
    """Run ``call``; on a refusal put its message on ``form`` and return the page's status."""
    try:
        call()
    except ValidationError as error:
        form_errors_add(form, error)
        return BAD_INPUT
    except ApplicationError as error:
        form.add_error(None, error.message)
        return CONFLICT
    return None


def query_refused(request: HttpRequest, form: forms.Form) -> None:
    """A query string that does not parse: say which parameter, and show the defaults."""
    for field, errors in form.errors.items():
        for text in errors:
            messages.error(request, f"{field}: {text}")


def form_messages(form: forms.Form) -> list[str]:
    return [str(text) for errors in form.errors.values() for text in errors]


# --- the cycle's pages, registered by the apps that own them ------------------------------------


@dataclass
class Refused:
    """A form that was refused, for the page that shows it again (``key`` names it there)."""

    key: str
    form: forms.Form
    status: int
    extra: dict[str, Any] | None = None


PageBuilder = Callable[[HttpRequest, Cycle], dict[str, Any]]


@dataclass(frozen=True)
class CyclePage:
    template: str
    build: PageBuilder


CYCLE_PAGES: dict[str, CyclePage] = {}


def cycle_page_register(url_name: str, template: str, build: PageBuilder) -> None:
    """Make the page ``url_name`` (of one cycle) a place forms can be posted from and shown on."""
    CYCLE_PAGES[url_name] = CyclePage(template, build)


def page_context(request: HttpRequest, cycle: Cycle, page: str, refused: Refused | None) -> dict:
    context = CYCLE_PAGES[page].build(request, cycle)
    if refused is not None:
        context[refused.key] = refused.form
        context.update(refused.extra or {})
    return context


def render_page(
    request: HttpRequest, cycle: Cycle, page: str, refused: Refused | None = None
) -> HttpResponse:
    template = CYCLE_PAGES[page].template
    status = refused.status if refused else 200
    return render(request, template, page_context(request, cycle, page, refused), status=status)


# --- where to go back to ------------------------------------------------------------------------


class PostedFromForm(forms.Form):
    """``next``: the address of the page a form was posted from. Valid only if it is on this
    site and resolves to one of ``cycle``'s registered pages (``page`` then names it); anything
    else is not an address to go back to."""

    next = forms.CharField(required=False, max_length=2000, strip=False)

    def __init__(self, data: Any, *, host: str, cycle: Cycle) -> None:
        super().__init__(data)
        self.host = host
        self.cycle = cycle
        self.page = ""

    def clean_next(self) -> str:
        target: str = self.cleaned_data["next"]
        if not target:
            return ""
        if url_has_allowed_host_and_scheme(target, {self.host}):
            try:
                match = resolve(target.split("?", 1)[0])
            except Resolver404:
                match = None
            if (
                match is not None
                and match.url_name in CYCLE_PAGES
                and match.kwargs.get("cycle_id") == self.cycle.pk
            ):
                self.page = str(match.url_name)
                return target
        raise ValidationError(_("Not one of this cycle's pages."), code="not_a_cycle_page")


def posted_from(request: HttpRequest, cycle: Cycle) -> PostedFromForm:
    form = PostedFromForm(request.POST, host=request.get_host(), cycle=cycle)
    form.is_valid()  # a refused ``next`` leaves ``page`` empty: the caller's default is used
    return form


def page_posted_from(request: HttpRequest, cycle: Cycle, default: str) -> str:
    """The cycle page the form was on (its ``next``), if it is one of this cycle's pages."""
    return posted_from(request, cycle).page or default


def back(request: HttpRequest, cycle: Cycle, default: str) -> HttpResponseRedirect:
    """Back to the page the form was posted from (never to a POST-only address)."""
    form = posted_from(request, cycle)
    if form.page:  # checked: one of this cycle's pages
        return HttpResponseRedirect(form.cleaned_data["next"])
    return HttpResponseRedirect(reverse(default, args=[cycle.pk]))


def cycle_action(
    request: HttpRequest,
    cycle_id: int,
    *,
    form: forms.Form,
    key: str,
    page: str,
    call: Callable[[Cycle], Any],
    success: str | Callable[[], str],
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """Validate ``form``, run ``call``; back to the page, or the page again with the errors.
    ``success`` is the message shown after (or makes it from the form's parsed values)."""
    cycle = cycle_for_user(request.user, cycle_id)
    status = BAD_INPUT
    if form.is_valid():
        refused = run_service(form, lambda: call(cycle))
        if refused is None:
            messages.success(request, success() if callable(success) else success)
            return back(request, cycle, page)
        status = refused
    shown_on = page_posted_from(request, cycle, page)
    return render_page(request, cycle, shown_on, Refused(key, form, status, extra))

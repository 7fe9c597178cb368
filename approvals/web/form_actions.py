"""The workflow's form actions answer a GET by going back to their page.

A refused POST re-renders its page with the errors at the action's own address, so the address
bar then shows ``/cycles/N/approve/``; reloading, or switching the language (which reloads the
address), would then meet "405 Method Not Allowed" from the browser's own error page. A GET of
an action therefore redirects to the page the form lives on, after the same access check.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import reverse

from planning.access import cycle_for_user

CycleView = Callable[..., HttpResponse]


def form_action(*, back_to: str) -> Callable[[CycleView], CycleView]:
    def decorate(view: CycleView) -> CycleView:
        @wraps(view)
        def action(request: HttpRequest, cycle_id: int, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method in ("GET", "HEAD"):
                cycle_for_user(request.user, cycle_id)  # 404 for a cycle that is not theirs
                return HttpResponseRedirect(reverse(back_to, args=[cycle_id]))
            if request.method != "POST":
                return HttpResponseNotAllowed(["GET", "POST"])
            return view(request, cycle_id, *args, **kwargs)

        return action

    return decorate

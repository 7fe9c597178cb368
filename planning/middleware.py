"""Request-level guards: what no view should ever have to see, refused before any view runs.

* A NUL character in the path or the query string: PostgreSQL refuses NUL in text, so any view
  that filtered on such a value answered 500.  Refused with 400 everywhere.
* An API request whose declared body is over ``DATA_UPLOAD_MAX_MEMORY_SIZE``: 413 in the API's
  error shape, before anything reads the body.
* Under ``/api/``, an error that did not come from a DRF view (no URL matched, an exception
  escaped, Django refused the request) would be an HTML page; it is rewritten into the API's
  error shape, so an API client only ever reads JSON errors.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from rest_framework.response import Response

API_PREFIX = "/api/"
# Pages under /api/ that are HTML by design (the interactive documentation).
API_HTML_PAGES = ("/api/docs/", "/api/redoc/")


class RequestGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        is_api = _is_api(request)
        refusal = _refusal(request, is_api)
        if refusal is not None:
            return refusal
        response = self.get_response(request)
        if is_api and response.status_code >= 400 and not isinstance(response, Response):
            return _as_api_error(response)
        return response


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX) and not request.path.startswith(API_HTML_PAGES)


def _refusal(request: HttpRequest, is_api: bool) -> HttpResponse | None:
    if _has_nul(request):
        message = _("The address must not contain the NUL character (%00).")
        if not is_api:
            raise BadRequest(message)
        return _api_error(message, "nul_character", 400)
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if is_api and limit is not None and _declared_length(request) > limit:
        message = _("The request body is larger than the limit of %(limit)s bytes.") % {
            "limit": f"{limit:,}"
        }
        return _api_error(message, "request_too_large", 413)
    return None


def _has_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path:
        return True
    return any(
        "\x00" in key or any("\x00" in value for value in values)
        for key, values in request.GET.lists()
    )


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


# Messages for the statuses an API request can meet outside a DRF view.
def _status_message(status: int) -> tuple[str, str]:
    known = {
        400: (_("Bad request."), "bad_request"),
        403: (_("You do not have permission to perform this action."), "permission_denied"),
        404: (_("Not found."), "not_found"),
        405: (_("Method not allowed."), "method_not_allowed"),
        413: (_("The request body is too large."), "request_too_large"),
    }
    if status in known:
        return known[status]
    if status >= 500:
        return _("Server error: the problem was logged."), "server_error"
    return _("The request could not be carried out."), "error"


def _as_api_error(response: HttpResponse) -> HttpResponse:
    message, code = _status_message(response.status_code)
    return _api_error(message, code, response.status_code)


def _api_error(message: str, code: str, status: int) -> JsonResponse:
    return JsonResponse(
        {"detail": message, "code": code}, status=status, json_dumps_params={"ensure_ascii": False}
    )

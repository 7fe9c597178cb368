"""The OpenAPI schema: its error answers documented, and built once per language, safely.

drf-spectacular loads its extension classes lazily and not thread-safely: several threads
building the schema of a cold process at once answered 500 (``'NoneType' object has no attribute
'startswith'``). The schema is the same for every request of a process, so it is built under a
lock, once per language and version, and served from memory afterwards.
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import translation
from drf_spectacular.views import SpectacularAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

_lock = threading.Lock()
_schemas: dict[tuple[str | None, str | None], dict[str, Any]] = {}


class SchemaView(SpectacularAPIView):
    def _get_schema_response(self, request: Request) -> Response:
        version = self.api_version or request.version or self._get_version_parameter(request)
        key = (translation.get_language(), version)
        with _lock:
            if key not in _schemas:
                generator = self.generator_class(
                    urlconf=self.urlconf, api_version=version, patterns=self.patterns
                )
                _schemas[key] = generator.get_schema(request=request, public=self.serve_public)
        filename = self._get_filename(request, version)
        return Response(
            data=_schemas[key], headers={"Content-Disposition": f'inline; filename="{filename}"'}
        )

    def handle_exception(self, exc: Exception) -> Response:
        """Errors (a POST, a bad token) in the API's JSON error shape, not as a schema."""
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response


@receiver(setting_changed)
def _forget_schemas(**kwargs: Any) -> None:
    """A test that changes settings may change the schema."""
    with _lock:
        _schemas.clear()


# --- Error answers ----------------------------------------------------------------------------
# Every API error has one of two shapes (planning/api/exceptions.py, planning/middleware.py):
# {"detail": "...", "code": "..."} (plus context such as a conflict's current values), or, for
# invalid input, the messages per field.
ERROR_COMPONENTS: dict[str, dict[str, Any]] = {
    "Error": {
        "type": "object",
        "description": "What went wrong, in the request's language; a conflict adds the "
        "current state (e.g. current_version and current values).",
        "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
        "required": ["detail"],
        "additionalProperties": True,
    },
    "ValidationError": {
        "type": "object",
        "description": "Invalid input: the messages per field (a list of messages, or per item "
        "of a list or object), or a `detail` when the body could not be read at all.",
        "properties": {
            "detail": {"type": "string"},
            "code": {"type": "string"},
            "non_field_errors": {"type": "array", "items": {"type": "string"}},
        },
        "additionalProperties": True,
    },
}
_WRITE_METHODS = {"post", "put", "patch", "delete"}


def _answer(description: str, component: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}},
    }


def _error_answers(path: str, method: str, operation: dict[str, Any]) -> dict[str, Any]:
    answers = {
        "400": _answer("Invalid input, named by field or query parameter.", "ValidationError"),
        "401": _answer("Not signed in (no or an invalid token).", "Error"),
        "403": _answer("Your role may not do this.", "Error"),
    }
    if "{" in path:
        answers["404"] = _answer("No such object among those you may see.", "Error")
    if method in _WRITE_METHODS:
        answers["409"] = _answer("Not possible now (stage, state or a newer version).", "Error")
    if "requestBody" in operation:
        answers["413"] = _answer("The request body is over the size limit.", "Error")
        answers["415"] = _answer("The body is not JSON, form or multipart data.", "Error")
    return answers


def document_error_responses(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: add the error answers every operation can give."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(ERROR_COMPONENTS)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status, answer in _error_answers(path, method, operation).items():
                responses.setdefault(status, answer)
    return result

"""The bell in every page's header: the signed-in user's unread count, one query when shown."""

from __future__ import annotations

import functools
from typing import Any

from django.http import HttpRequest

from approvals.notifications.selectors import unread_count


class Bell:
    """Counts the unread notifications only if a template shows the bell (pages that extend
    base.html; not the context-free 500 page, not fragments)."""

    def __init__(self, user: Any) -> None:
        self.user = user

    @functools.cached_property
    def unread(self) -> int:
        return unread_count(self.user)


def notifications(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"bell": Bell(user)}

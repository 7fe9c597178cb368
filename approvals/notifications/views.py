"""The notification pages: the list, marking read, the e-mail setting, the bell's fragment."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from approvals.models import NotificationKind
from approvals.notifications.context_processors import Bell
from approvals.notifications.forms import NotificationPageForm, NotificationPreferenceForm
from approvals.notifications.selectors import notification_preference, notifications_for
from approvals.notifications.services import (
    notification_mark_read,
    notification_preference_set,
    notifications_mark_all_read,
)
from approvals.notifications.texts import (
    notification_note,
    notification_path,
    notification_text,
)
from planning.web.cycle_pages import BAD_INPUT, query_refused

PER_PAGE = 50


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    query = NotificationPageForm(request.GET)
    status = 200
    if not query.is_valid():
        query_refused(request, query)
        status = BAD_INPUT
    paginator = Paginator(notifications_for(request.user).order_by("-created_at", "-id"), PER_PAGE)
    page = paginator.get_page(query.cleaned_data.get("page") if status == 200 else 1)
    rows = [
        (notification, notification_text(notification), notification_note(notification))
        for notification in page
    ]
    return render(request, "notifications/list.html", {"page": page, "rows": rows}, status=status)


@login_required
@require_POST
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    notification_mark_read(user=request.user, notification_id=notification_id)
    return HttpResponseRedirect(reverse("notifications"))


@login_required
@require_POST
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Opening a notification from the list: marked read (a POST), then on to its page."""
    notification = notification_mark_read(user=request.user, notification_id=notification_id)
    return HttpResponseRedirect(notification_path(notification))


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    notifications_mark_all_read(user=request.user)
    messages.success(request, _("All your notifications are marked read."))
    return HttpResponseRedirect(reverse("notifications"))


@login_required
def notification_settings(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = NotificationPreferenceForm(request.POST)
        if form.is_valid():
            enabled = form.cleaned_data["email_enabled"]
            notification_preference_set(
                user=request.user,
                email_enabled=enabled,
                email_language=form.cleaned_data["email_language"],
                email_kinds=form.cleaned_data["email_kinds"],
            )
            messages.success(
                request,
                _("Your notifications will also be sent by e-mail.")
                if enabled
                else _("Your notifications will no longer be sent by e-mail."),
            )
            return HttpResponseRedirect(reverse("notification-settings"))
    else:
        preference = notification_preference(request.user)
        form = NotificationPreferenceForm(
            initial={
                "email_enabled": preference.email_enabled,
                "email_language": preference.email_language or translation.get_language(),
                "email_kinds": [
                    kind
                    for kind in NotificationKind.values
                    if kind not in preference.email_kinds_off
                ],
            }
        )
    return render(request, "notifications/settings.html", {"form": form})


@login_required
@require_GET
def notification_bell(request: HttpRequest) -> HttpResponse:
    """The header's bell alone, for htmx to refresh it when the page hears of a change."""
    return render(request, "notifications/_bell.html", {"bell": Bell(request.user)})

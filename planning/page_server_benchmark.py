"""``manage.py sop_page_bench --through-server``: every page as a browser meets it.

The same pages as the in-process measurement (``planning.page_benchmark.PAGES``), each as the
role that does its work, but over real HTTP into gunicorn serving ``sop_project.asgi`` with
uvicorn workers, as the deployment does (``docker/entrypoint.sh``), ``DEBUG`` off, with a
Celery worker recomputing after each edit and a private redis-server. The time is the client's:
connecting, the request, the server, the whole answer read. Also signing in with the password
(the login form, the POST, the redirect to the home page) and a cell save answered with its
family's recomputed rows (what the grid re-renders).
"""

from __future__ import annotations

import http.client
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.contrib.auth import get_user_model
from django.urls import reverse

from planning import bench_support as support
from planning.models import Cycle
from planning.page_benchmark import DEMO_PASSWORD, PAGES, Page, PageFigures, page_stage

BROWSER_HEADERS = {"Accept": "text/html", "Accept-Language": "zh-hans"}


@dataclass(frozen=True)
class ServerFigures:
    pages: list[PageFigures]
    login_home: PageFigures
    cell_save: PageFigures


def measure_through_server(
    cycles: dict[str, Cycle], repeat: int, saves: int, app: support.RunningApp
) -> ServerFigures:
    """Every page, sign-in and cell saves through the running server ``app``."""
    return ServerFigures(
        pages=[_page(cycles, page, repeat, app) for page in PAGES],
        login_home=_login_home(max(3, repeat // 2), app.web.port),
        cell_save=_cell_save(cycles["current"], saves, app),
    )


def _page(
    cycles: dict[str, Cycle], page: Page, repeat: int, app: support.RunningApp
) -> PageFigures:
    with page_stage(cycles, page):
        get = _getter(page, page.path(cycles), app)
        status, body = get()  # warms the caches a running server has warm
        assert status == 200, (page.name, status, str(body)[:300])
        size = len(body.encode() if isinstance(body, str) else body or b"")
        timings = support.timed_ms(lambda: _ok(page.name, get()), repeat)
    return _figures(page.name, timings, size)


def _getter(page: Page, path: str, app: support.RunningApp) -> Callable[[], tuple[int, Any]]:
    """A GET of the page signed in as its role (the login form: signed out)."""
    if not page.username:
        return lambda: _http(app.web.port, "GET", path)[:2]
    session = app.session(get_user_model().objects.get(username=page.username))
    return lambda: session.request("GET", path, headers=BROWSER_HEADERS)


def _ok(name: str, answer: tuple[int, object]) -> None:
    assert answer[0] == 200, (name, answer[0], str(answer[1])[:300])


def _login_home(repeat: int, port: int, username: str = "director") -> PageFigures:
    """The login form, the POST of the password (the server checks its hash), the redirect
    followed to the home page: what a person waits for after pressing "sign in"."""
    size = 0

    def sign_in() -> None:
        nonlocal size
        status, body, cookies, _ = _http(port, "GET", reverse("login"))
        assert status == 200, status
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        assert token is not None, body[:500]
        form = {"username": username, "password": DEMO_PASSWORD,
                "csrfmiddlewaretoken": token.group(1).decode()}  # fmt: skip
        status, body, cookies, location = _http(port, "POST", reverse("login"), cookies, form)
        assert status == 302, (status, body[:500])
        status, body, cookies, _ = _http(port, "GET", urlsplit(location).path, cookies)
        assert status == 200 and b'name="username"' not in body, status
        size = len(body)

    timings = support.timed_ms(sign_in, repeat)
    return _figures("login + home", timings, size)


def _cell_save(cycle: Cycle, saves: int, app: support.RunningApp) -> PageFigures:
    sales = get_user_model().objects.get(username="sales")
    timings = support.cell_saves(cycle, app.session(sales), saves)
    return _figures("cell save -> rows", timings, 0)


def _figures(name: str, timings: list[float], size: int) -> PageFigures:
    return PageFigures(
        name=name,
        p50_ms=support.percentile(timings, 50),
        p95_ms=support.percentile(timings, 95),
        queries=0,  # not counted through the server (the in-process mode counts them)
        kilobytes=size / 1024,
    )


def _http(
    port: int, method: str, path: str, cookies: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> tuple[int, bytes, dict[str, str], str]:  # fmt: skip
    """One request as a browser sends it: its cookies, a form; the answer's status, body,
    cookies (those sent and those set) and ``Location``."""
    cookies = dict(cookies or {})
    headers = {**BROWSER_HEADERS, "Host": "127.0.0.1"}
    if cookies:
        headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    body = None
    if form is not None:
        body = urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        raw = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                cookies[name] = morsel.value
        return response.status, raw, cookies, response.headers.get("Location", "")
    finally:
        connection.close()


def log_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="sop-page-bench-"))

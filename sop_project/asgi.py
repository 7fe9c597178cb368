"""The ASGI entry point (gunicorn with uvicorn workers): live streams asynchronously, the rest
as before.

A live screen's event stream (``/cycles/<id>/live/``) goes to Django's asynchronous handler,
where an open stream is a coroutine waiting on Redis: it holds no worker, no page thread and no
database connection (only an idle thread Django keeps for the request's sync middleware).
Every other request goes to the same WSGI application the sync workers ran, on a fixed pool of
``WEB_THREADS`` threads per process (a2wsgi's ``WSGIMiddleware``), so each thread keeps its
persistent database connection (``CONN_MAX_AGE``) as a sync worker did. Django's own ASGI
handler runs each request's sync code on a new thread, which would mean a new database
connection per request; its documentation says to turn persistent connections off under ASGI.
Wiring only.
"""

import os
import re
from typing import Any

from a2wsgi import WSGIMiddleware
from django.conf import settings
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.asgi import get_asgi_application
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sop_project.settings")

LIVE_STREAM_PATH = re.compile(r"/cycles/[0-9]+/live/")

streams = get_asgi_application()
wsgi: Any = get_wsgi_application()
if settings.DEBUG:
    # As runserver does: static files from the apps' folders (WhiteNoise serves them otherwise).
    wsgi = StaticFilesHandler(wsgi)
pages: Any = WSGIMiddleware(wsgi, workers=settings.WEB_THREADS)


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
    elif scope["type"] == "http" and LIVE_STREAM_PATH.fullmatch(scope["path"]):
        await streams(scope, receive, send)
    else:
        await pages(scope, receive, send)


async def _lifespan(receive: Any, send: Any) -> None:
    """Nothing to start or stop: answer the server's start-up and shut-down messages."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return

"""Live screens: a cycle's change is pushed to every open page of it (server-sent events).

``publish`` is the service the other services call after a change; ``stream`` and ``views``
serve the browser (``sop_project/static/sop/live.js``). See the README's "Live screens".
"""

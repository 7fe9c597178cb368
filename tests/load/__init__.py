"""Load and fault drills: ``make loadtest`` and ``make faultdrill`` (not collected by pytest).

The modules here drive the real stack from outside (gunicorn, PostgreSQL, a Celery worker,
Redis) and check afterwards that nothing was lost; ``request_costs`` measures per-request cost
in-process.  pytest collects nothing here: no module is named ``test_*``.
"""

#!/bin/sh
# One image, three roles: web (migrates first), worker, beat.
set -e
case "$1" in
  web)
    python manage.py migrate --noinput
    if [ "${LOAD_DEMO:-false}" = "true" ]; then python manage.py seed_demo --force; fi
    exec gunicorn sop_project.wsgi:application --bind 0.0.0.0:8000 \
      --workers "${WEB_CONCURRENCY:-3}" --access-logfile -
    ;;
  worker)
    exec celery -A sop_project worker --loglevel=info --concurrency "${WORKER_CONCURRENCY:-2}"
    ;;
  beat)
    exec celery -A sop_project beat --loglevel=info
    ;;
  *)
    exec "$@"
    ;;
esac

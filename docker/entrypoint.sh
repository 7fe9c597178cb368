#!/bin/sh
# One image, three roles: web (checks the deployment, migrates first), worker, beat.
set -e

demo_banner() {
  cat >&2 <<'BANNER'
##########################################################################################
#  WARNING: LOAD_DEMO=true                                                               #
#  Loading the demo: eight accounts (director, sales, production, procurement, finance,  #
#  ceo, admin, sales2) with the password "demo". Anyone who reaches this server can sign  #
#  in as "admin". Never on a server with real data: unset LOAD_DEMO and restart.         #
##########################################################################################
BANNER
}

case "$1" in
  web)
    # Django's deployment checklist: warnings go to the log; errors stop the container.
    python manage.py check --deploy
    python manage.py migrate --noinput
    if [ "${LOAD_DEMO:-false}" = "true" ]; then
      demo_banner
      python manage.py seed_demo --force
      demo_banner
    fi
    # uvicorn workers: an open live screen is a coroutine, not a worker (sop_project/asgi.py).
    # Idle keep-alive connections are kept longer than a proxy keeps its own (nginx: 60 s), so
    # the server never closes one just as the proxy sends on it.
    exec gunicorn sop_project.asgi:application --worker-class uvicorn_worker.UvicornWorker \
      --bind 0.0.0.0:8000 --workers "${WEB_CONCURRENCY:-3}" --keep-alive 75 --access-logfile -
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

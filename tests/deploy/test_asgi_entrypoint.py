"""The container serves what the tests serve: gunicorn, uvicorn workers, ``sop_project.asgi``."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_web_container_runs_the_asgi_application_on_uvicorn_workers() -> None:
    # given
    entrypoint = (ROOT / "docker" / "entrypoint.sh").read_text()
    # when
    web = entrypoint.split("  web)", 1)[1].split(";;", 1)[0]
    # then
    assert "exec gunicorn sop_project.asgi:application" in web
    assert "--worker-class uvicorn_worker.UvicornWorker" in web


def test_the_image_installs_the_servers_the_entrypoint_names() -> None:
    # given
    pyproject = (ROOT / "pyproject.toml").read_text()
    dockerfile = (ROOT / "docker" / "Dockerfile").read_text()
    # when
    deploy = pyproject.split("\ndeploy = [", 1)[1].split("]", 1)[0]
    # then
    assert "'.[deploy]'" in dockerfile
    for package in ('"gunicorn', '"uvicorn>', '"uvicorn-worker', '"a2wsgi'):
        assert package in deploy

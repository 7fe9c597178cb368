"""The stream and the state to poll: the one access helper's 404, and what each answers."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from planning.live.publish import cycle_changed_publish
from planning.models import Cycle
from planning.roles import Stage
from tests.clients import client_as as client_of

pytestmark = pytest.mark.django_db


def demand_cycle() -> Cycle:
    return Cycle.objects.get(business_unit__code="demo", stage=Stage.DEMAND_REVIEW)


@pytest.mark.parametrize("path", ["live/", "live/state/"])
def test_another_units_cycle_a_missing_one_and_an_anonymous_visitor_get_the_same_404(
    demo: None, path: str
) -> None:
    # given
    cycle = demand_cycle()
    missing = Cycle.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1000
    # when
    answers = [
        client_of("sales2").get(f"/cycles/{cycle.pk}/{path}").status_code,
        client_of("sales").get(f"/cycles/{missing}/{path}").status_code,
        Client().get(f"/cycles/{cycle.pk}/{path}").status_code,
    ]
    # then
    assert answers == [404, 404, 404]


def test_the_state_names_the_versions_the_stage_and_the_latest_audit_row(demo: None) -> None:
    # given
    cycle = demand_cycle()
    # when
    response = client_of("ceo").get(f"/cycles/{cycle.pk}/live/state/")
    # then
    assert response.status_code == 200
    state = response.json()
    assert state["cycle"] == cycle.pk
    assert state["lines"] == cycle.inputs_version
    assert state["analysis"] == cycle.computed_version
    assert state["stage"] == "demand_review"
    assert state["audit"] > 0


def test_the_stream_opens_with_its_retry_and_the_current_state(demo: None, settings) -> None:
    # given: under WSGI (as here) a stream is short; this one ends at once after its opening
    settings.LIVE_WSGI_STREAM_SECONDS = 0.1
    cycle = demand_cycle()
    # when
    response: Any = client_of("ceo").get(f"/cycles/{cycle.pk}/live/")
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    assert response["Cache-Control"] == "no-store"
    assert response["X-Accel-Buffering"] == "no"
    retry, state, *_rest = b"".join(response.streaming_content).decode().split("\n\n")
    assert retry == "retry: 1000"
    name, data = state.split("\n")
    assert name == "event: state"
    assert (
        json.loads(data.removeprefix("data: "))
        == client_of("ceo").get(f"/cycles/{cycle.pk}/live/state/").json()
    )


@pytest.mark.parametrize(
    ("redis_url", "status"),
    [("", 204), ("redis://127.0.0.1:1/0", 503)],
    ids=["push-not-configured", "redis-down"],
)
def test_without_a_reachable_redis_the_stream_answers_no_stream_and_the_page_polls(
    demo: None, settings, redis_url: str, status: int
) -> None:
    # given: no Redis configured (make run without services: no content, nothing to log), or
    # Redis down (an outage: 503)
    settings.REDIS_URL = redis_url
    cycle = demand_cycle()
    # when
    stream = client_of("ceo").get(f"/cycles/{cycle.pk}/live/")
    state = client_of("ceo").get(f"/cycles/{cycle.pk}/live/state/")
    # then
    assert stream.status_code == status
    assert state.status_code == 200


def test_a_cycle_page_opts_in_with_its_stream_and_state_urls(demo: None) -> None:
    # given
    cycle = demand_cycle()
    # when
    page = client_of("ceo").get(f"/cycles/{cycle.pk}/analysis/").content.decode()
    # then
    assert (
        f'data-live-cycle="{cycle.pk}" data-live-stream="/cycles/{cycle.pk}/live/"'
        f' data-live-state="/cycles/{cycle.pk}/live/state/"'
    ) in page
    assert 'src="/static/sop/live.js"' in page
    assert '<div id="analysis" data-live-region="analysis"' in page


def test_the_demand_page_refreshes_its_submission_bar_on_submissions_and_stages(
    demo: None,
) -> None:
    # given
    cycle = demand_cycle()
    # when
    page = client_of("sales").get(f"/cycles/{cycle.pk}/demand/").content.decode()
    # then
    assert (
        '<section class="card submission-bar" id="live-submission-sales_forecast"'
        ' data-live-region="submission stage">'
    ) in page


def test_under_wsgi_the_stream_delivers_a_change_then_ends_for_the_browser_to_reconnect(
    demo: None, settings, django_capture_on_commit_callbacks
) -> None:
    # given: a screen's stream is open (subscribed when the response was made)
    settings.LIVE_WSGI_STREAM_SECONDS = 1
    cycle = demand_cycle()
    response: Any = client_of("ceo").get(f"/cycles/{cycle.pk}/live/")
    # when: a change is published meanwhile
    with django_capture_on_commit_callbacks(execute=True):
        cycle_changed_publish(cycle.pk, "stage")
    # then: it is in the stream, which then ends by itself
    events = b"".join(response.streaming_content).decode().split("\n\n")
    assert f'event: cycle\ndata: {{"cycle":{cycle.pk},"kind":"stage"}}' in events

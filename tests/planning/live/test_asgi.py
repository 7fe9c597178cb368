"""Served as deployed: pages through the WSGI application, the stream through Django's async
handler, and a change made by one user reaching another user's open stream."""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Iterator

import pytest

from planning.models import Cycle, PlanLine
from planning.roles import Stage
from tests.planning.live.servers import AsgiStack, asgi_stack

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def stack(demo: None) -> Iterator[AsgiStack]:
    with asgi_stack() as served:
        yield served


class OpenStream:
    """A screen's event stream over real HTTP, read event by event."""

    def __init__(self, stack: AsgiStack, username: str, cycle_id: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", stack.web.port, timeout=60)
        self.connection.request(
            "GET",
            f"/cycles/{cycle_id}/live/",
            headers={"Cookie": stack.session(username).cookie, "Accept": "text/event-stream"},
        )
        self.response = self.connection.getresponse()

    def next_event(self) -> tuple[str, dict]:
        name, data = "", ""
        while True:
            line = self.response.readline().decode().rstrip("\n")
            if line.startswith("event: "):
                name = line.removeprefix("event: ")
            elif line.startswith("data: "):
                data = line.removeprefix("data: ")
            elif line == "" and name:
                return name, json.loads(data)

    def close(self) -> None:
        self.connection.close()


def demand_cycle() -> Cycle:
    return Cycle.objects.get(business_unit__code="demo", stage=Stage.DEMAND_REVIEW)


def test_pages_and_the_api_are_served_through_the_asgi_entry_point(stack: AsgiStack) -> None:
    # given
    cycle = demand_cycle()
    ceo = stack.session("ceo")
    # when
    page_status, page = ceo.get(f"/cycles/{cycle.pk}/analysis/")
    api_status, body = ceo.get(f"/api/cycles/{cycle.pk}/")
    # then
    assert page_status == 200
    assert f'data-live-cycle="{cycle.pk}"' in page
    assert api_status == 200
    assert body["id"] == cycle.pk


def test_another_users_edit_reaches_an_open_stream_with_its_analysis(stack: AsgiStack) -> None:
    # given: the CEO's screen is open on the cycle
    cycle = demand_cycle()
    line = PlanLine.objects.filter(cycle=cycle, family__code="SEED-01").order_by("month")[0]
    stream = OpenStream(stack, "ceo", cycle.pk)
    try:
        assert stream.response.status == 200
        assert stream.response.getheader("Content-Type") == "text/event-stream"
        name, state = stream.next_event()
        assert (name, state["stage"]) == ("state", "demand_review")
        # when: sales changes a number
        status, _body = stack.session("sales").patch(
            f"/api/plan-lines/{line.pk}/", {"demand_forecast": 55555, "version": line.version}
        )
        assert status == 200
        # then: the change, then the analysis it caused, each naming the family
        assert stream.next_event() == (
            "cycle",
            {"cycle": cycle.pk, "kind": "lines", "families": [line.family_id]},
        )
        assert stream.next_event() == (
            "cycle",
            {"cycle": cycle.pk, "kind": "analysis", "families": [line.family_id]},
        )
    finally:
        stream.close()


def test_with_redis_down_the_stream_answers_503_and_opens_again_once_it_is_back(
    stack: AsgiStack,
) -> None:
    # given
    cycle = demand_cycle()
    stack.redis.stop()
    # when
    down = OpenStream(stack, "ceo", cycle.pk)
    down_status = down.response.status
    down.close()
    stack.redis.start()
    # then
    assert down_status == 503
    deadline = time.monotonic() + 60
    while True:
        back = OpenStream(stack, "ceo", cycle.pk)
        status = back.response.status
        if status == 200:
            assert back.next_event()[0] == "state"
            back.close()
            break
        back.close()
        assert time.monotonic() < deadline, f"the stream still answers {status}"
        time.sleep(0.2)

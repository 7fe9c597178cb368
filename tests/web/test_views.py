"""Every page: who sees it, what they may do on it, htmx fragments, validation and conflicts."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from planning.models import Cycle, PlanLine
from planning.roles import Stage
from tests.clients import client_as
from tests.demo_snapshot import seed_month

CYCLE_PAGES = ("", "demand/", "supply/", "finance/", "analysis/", "decision/", "history/")


@pytest.fixture
def current(demo: None) -> Cycle:
    return Cycle.objects.get(business_unit__code="demo", stage=Stage.DEMAND_REVIEW)


@pytest.fixture
def previous(demo: None) -> Cycle:
    return Cycle.objects.get(business_unit__code="demo", stage=Stage.EXECUTIVE_REVIEW)


def test_pages_need_a_signed_in_user(current: Cycle) -> None:
    response = Client().get(f"/cycles/{current.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    "username", ["director", "sales", "production", "procurement", "finance", "ceo", "admin"]
)
@pytest.mark.parametrize("path", CYCLE_PAGES)
def test_members_see_every_page_of_their_cycle(username: str, path: str, current: Cycle) -> None:
    response = client_as(username).get(f"/cycles/{current.pk}/{path}")
    assert response.status_code == 200


@pytest.mark.parametrize("path", CYCLE_PAGES)
def test_another_units_user_gets_404_on_every_page(path: str, current: Cycle) -> None:
    assert client_as("sales2").get(f"/cycles/{current.pk}/{path}").status_code == 404


def test_home_lists_the_users_tasks(current: Cycle, previous: Cycle) -> None:
    sales = client_as("sales").get("/").content.decode()
    assert "Submit the sales forecast" in sales
    ceo = client_as("ceo").get("/").content.decode()
    assert "Decide: approve the plan or send it back" in ceo
    assert "Submit the" not in ceo


def test_only_the_director_sees_the_advance_button(current: Cycle) -> None:
    advance = f'action="/cycles/{current.pk}/advance/"'
    assert advance in client_as("director").get(f"/cycles/{current.pk}/").content.decode()
    for username in ("sales", "ceo", "finance"):
        assert advance not in client_as(username).get(f"/cycles/{current.pk}/").content.decode()


def test_only_the_ceo_sees_approve_and_send_back(previous: Cycle) -> None:
    approve = f'action="/cycles/{previous.pk}/approve/"'
    assert approve in client_as("ceo").get(f"/cycles/{previous.pk}/decision/").content.decode()
    assert (
        approve
        not in client_as("director").get(f"/cycles/{previous.pk}/decision/").content.decode()
    )


def test_demand_grid_is_editable_for_sales_and_read_only_for_production(current: Cycle) -> None:
    cell = re.compile(
        rf'<input [^>]*data-testid="cell-SEED-01-{seed_month(1)}-demand_forecast"[^>]*>'
    )
    sales = cell.search(client_as("sales").get(f"/cycles/{current.pk}/demand/").content.decode())
    assert sales is not None
    assert 'value="13,500"' in sales.group() and "readonly" not in sales.group()
    production = cell.search(
        client_as("production").get(f"/cycles/{current.pk}/demand/").content.decode()
    )
    assert production is not None
    assert 'value="13,500" readonly' in production.group()


def test_htmx_gets_the_fragment_and_a_browser_the_page(current: Cycle) -> None:
    client = client_as("sales")
    url = f"/cycles/{current.pk}/analysis/?fragment=analysis"
    fragment = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    page = client.get(url).content.decode()
    assert fragment.lstrip().startswith('<div id="analysis"')
    assert "<html" not in fragment
    assert "<html" in page


def test_a_stale_analysis_polls_quickly_and_says_so(current: Cycle) -> None:
    Cycle.objects.filter(pk=current.pk).update(inputs_version=current.inputs_version + 1)
    body = client_as("sales").get(f"/cycles/{current.pk}/analysis/").content.decode()
    assert 'hx-trigger="every 2s"' in body
    assert "Recomputing…" in body


def cell_post(client: Client, cycle: Cycle, line: PlanLine, value: str, version: int) -> str:
    response = client.post(
        f"/cycles/{cycle.pk}/lines/{line.pk}/demand_forecast/",
        {"value": value, "version": version},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    return response.content.decode()


def seed_line(cycle: Cycle, month: str) -> PlanLine:
    return PlanLine.objects.get(cycle=cycle, family__code="SEED-01", month=f"{month}-01")


def test_cell_save_returns_the_saved_cell_and_signals_the_change(current: Cycle) -> None:
    line = seed_line(current, seed_month(1))
    client = client_as("sales")
    response = client.post(
        f"/cycles/{current.pk}/lines/{line.pk}/demand_forecast/",
        {"value": "14000", "version": line.version},
        HTTP_HX_REQUEST="true",
    )
    assert response["HX-Trigger"] == "planChanged"
    assert 'class="cell-form saved"' in response.content.decode()
    line.refresh_from_db()
    assert line.demand_forecast == 14000


def test_invalid_cell_value_is_shown_in_place_and_nothing_saved(current: Cycle) -> None:
    line = seed_line(current, seed_month(1))
    body = cell_post(client_as("sales"), current, line, "-5", line.version)
    assert 'class="cell-form invalid"' in body
    assert '<div class="cell-msg" role="alert">Must not be negative.</div>' in body
    line.refresh_from_db()
    assert line.demand_forecast == 13500


def test_conflicting_cell_shows_both_values(current: Cycle) -> None:
    line = seed_line(current, seed_month(1))
    client = client_as("sales")
    cell_post(client, current, line, "14100", line.version)
    body = cell_post(client, current, line, "14200", line.version)  # the version seen before
    assert "Changed by someone else: now 14100 (yours: 14200)." in body
    line.refresh_from_db()
    assert line.demand_forecast == 14100


def test_cell_outside_the_roles_fields_is_refused(current: Cycle) -> None:
    line = seed_line(current, seed_month(1))
    body = cell_post(client_as("production"), current, line, "1", line.version)
    assert 'role="alert"' in body
    line.refresh_from_db()
    assert line.demand_forecast == 13500


def test_cell_save_without_javascript_redirects_back(current: Cycle) -> None:
    line = seed_line(current, seed_month(1))
    response = client_as("sales").post(
        f"/cycles/{current.pk}/lines/{line.pk}/demand_forecast/",
        {"value": "13600", "version": line.version, "next": f"/cycles/{current.pk}/demand/"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/cycles/{current.pk}/demand/"


def test_advance_without_the_gate_shows_why(current: Cycle) -> None:
    client = client_as("director")
    response = client.post(f"/cycles/{current.pk}/advance/", follow=True)
    assert (
        "cannot end yet: the sales forecast has not been submitted yet" in response.content.decode()
    )
    current.refresh_from_db()
    assert current.stage == Stage.DEMAND_REVIEW


def test_ceo_approves_from_the_page(previous: Cycle) -> None:
    response = client_as("ceo").post(
        f"/cycles/{previous.pk}/approve/",
        {"comment": "ok", "kpi_name": "fill rate", "kpi_target": "0.95"},
        follow=True,
    )
    assert "The plan is approved." in response.content.decode()
    previous.refresh_from_db()
    assert previous.stage == Stage.APPROVED


def test_history_filters_by_user_and_field(current: Cycle) -> None:
    line = seed_line(current, seed_month(1))
    cell_post(client_as("sales"), current, line, "14000", line.version)
    body = (
        client_as("director")
        .get(f"/cycles/{current.pk}/history/?user=sales&field=demand_forecast")
        .content.decode()
    )
    assert "Plan line changed" in body
    assert "Cycle advanced" not in body


def test_history_reads_in_words_in_either_language(current: Cycle) -> None:
    line = seed_line(current, seed_month(1))
    cell_post(client_as("sales"), current, line, "14000", line.version)
    english = client_as("director").get(f"/cycles/{current.pk}/history/").content.decode()
    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    chinese.login(username="director", password="demo")
    body = chinese.get(f"/cycles/{current.pk}/history/").content.decode()

    assert "<td>Plan line changed</td><td>" in english
    assert "<td>demand forecast</td>" in english.lower()
    assert "<td>Demand review</td>" in english  # a stage code shown as the stage's name
    assert "plan_line_changed" not in english
    assert "kind: Risk · quantity: 2,000" in english  # a register entry's dict, in words
    assert "需求预测" in body
    assert "需求评审" in body
    assert "类型: 风险" in body


def test_every_action_in_the_demo_trail_has_words(demo: None) -> None:
    from approvals.web.audit_labels import ACTION_LABELS
    from planning.models import AuditEvent

    recorded = set(AuditEvent.objects.values_list("action", flat=True))
    assert recorded  # the demo records a trail
    assert recorded - set(ACTION_LABELS) == set()


def test_director_invites_a_guest_who_then_sees_this_cycle_only(
    current: Cycle, previous: Cycle
) -> None:
    director = client_as("director")
    assert 'data-testid="guests"' in director.get(f"/cycles/{current.pk}/").content.decode()
    assert client_as("sales2").get(f"/cycles/{current.pk}/").status_code == 404

    response = director.post(
        f"/cycles/{current.pk}/guests/", {"username": "sales2", "roles": ["finance"]}, follow=True
    )

    assert "sales2 is now a guest of this cycle." in response.content.decode()
    guest = client_as("sales2")
    assert guest.get(f"/cycles/{current.pk}/").status_code == 200
    assert guest.get(f"/cycles/{previous.pk}/").status_code == 404
    assert f'href="/cycles/{current.pk}/"' in guest.get("/").content.decode()

    director.post(f"/cycles/{current.pk}/guests/remove/", {"username": "sales2"})
    assert client_as("sales2").get(f"/cycles/{current.pk}/").status_code == 404


def test_a_bad_invitation_says_why_and_grants_nothing(current: Cycle) -> None:
    response = client_as("director").post(
        f"/cycles/{current.pk}/guests/", {"username": "sales2", "roles": []}, follow=True
    )
    assert "Give the guest at least one role." in response.content.decode()
    assert client_as("sales2").get(f"/cycles/{current.pk}/").status_code == 404


def test_only_the_chair_and_admin_may_invite_guests(current: Cycle) -> None:
    overview = client_as("sales").get(f"/cycles/{current.pk}/").content.decode()
    assert f'action="/cycles/{current.pk}/guests/"' not in overview
    response = client_as("sales").post(
        f"/cycles/{current.pk}/guests/", {"username": "sales2", "roles": ["finance"]}
    )
    assert response.status_code == 403
    assert client_as("sales2").get(f"/cycles/{current.pk}/").status_code == 404


def test_admin_records_a_maturity_assessment(demo: None) -> None:
    from planning.models import BusinessUnit, MaturityAssessment

    unit = BusinessUnit.objects.get(code="demo")
    response = client_as("admin").post(
        "/maturity/",
        {
            "business_unit": unit.pk,
            "level": "3",
            "criteria": ["monthly_meeting", "reliable_data"],
            "notes": "first",
            "assessed_on": "2024-03-31",
        },
    )
    assert response.status_code == 302
    assessment = MaturityAssessment.objects.get()
    assert (assessment.level, assessment.criteria_met) == (3, ["monthly_meeting", "reliable_data"])


def test_only_an_admin_may_record_maturity(demo: None) -> None:
    from planning.models import BusinessUnit

    unit = BusinessUnit.objects.get(code="demo")
    response = client_as("director").post("/maturity/", {"business_unit": unit.pk, "level": "2"})
    assert response.status_code == 403


def test_the_demand_grid_pages_families_with_a_bounded_number_of_queries(
    current: Cycle, django_assert_max_num_queries
) -> None:
    client = client_as("sales")
    with django_assert_max_num_queries(40):
        assert client.get(f"/cycles/{current.pk}/demand/").status_code == 200


def test_pages_switch_to_chinese(current: Cycle) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.login(username="sales", password="demo")
    body = client.get(f"/cycles/{current.pk}/analysis/").content.decode()
    assert "供需平衡分析" in body
    assert "供不应求 — 需扩产或增库存" in body


def test_director_opens_a_new_cycle_from_home(demo: None) -> None:
    from planning.models import BusinessUnit

    unit = BusinessUnit.objects.get(code="demo")
    client = client_as("director")
    assert 'action="/cycles/new/"' in client.get("/").content.decode()
    response = client.post(
        "/cycles/new/", {"business_unit": unit.pk, "plan_month": "2024-04", "horizon_months": "6"}
    )
    cycle = Cycle.objects.get(business_unit=unit, plan_month="2024-04-01")
    assert response["Location"] == f"/cycles/{cycle.pk}/"
    assert cycle.plan_lines.count() == 13 * 6


def test_sales_cannot_open_a_cycle(demo: None) -> None:
    from planning.models import BusinessUnit

    unit = BusinessUnit.objects.get(code="demo")
    client = client_as("sales")
    assert 'action="/cycles/new/"' not in client.get("/").content.decode()
    response = client.post(
        "/cycles/new/", {"business_unit": unit.pk, "plan_month": "2024-04", "horizon_months": "6"}
    )
    assert response.status_code == 403
    assert not Cycle.objects.filter(plan_month="2024-04-01").exists()


def test_production_notes_a_constraint_on_the_supply_page(current: Cycle) -> None:
    Cycle.objects.filter(pk=current.pk).update(stage=Stage.SUPPLY_REVIEW)
    client = client_as("production")
    client.post(
        f"/cycles/{current.pk}/constraints/", {"note": "Line 2 maintenance", "month": seed_month(1)}
    )
    assert "Line 2 maintenance" in client.get(f"/cycles/{current.pk}/supply/").content.decode()


def test_the_home_page_costs_the_same_queries_however_many_cycles(demo: None) -> None:
    """Tasks and permissions are read for all cycles at once, not once per cycle."""
    import datetime

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from approvals.services import cycle_open
    from planning.models import BusinessUnit

    def home_queries() -> int:
        client = client_as("director")
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/").status_code == 200
        return len(queries)

    before = home_queries()
    unit = BusinessUnit.objects.get(code="demo")
    director = get_user_model().objects.get(username="director")
    for month in (4, 5, 6, 7, 8):
        cycle_open(
            actor=director,
            business_unit_id=unit.pk,
            plan_month=datetime.date(2024, month, 1),
            horizon_months=3,
        )

    assert home_queries() == before

"""The analysis of the whole unit shows its by-family table a page of families at a time."""

from __future__ import annotations

from django.test import Client

from planning import page_benchmark
from planning.models import BusinessUnit, Cycle
from planning.roles import Stage


def director() -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(username="director", password="demo")
    return client


def test_the_by_family_table_is_paged(demo: None) -> None:
    # given the demo's families and 60 more
    unit = BusinessUnit.objects.get(code="demo")
    current = Cycle.objects.get(business_unit=unit, stage=Stage.DEMAND_REVIEW)
    page_benchmark.families_add({"current": current}, 60)
    total = current.plan_lines.values("family_id").distinct().count()
    assert 60 < total <= 90
    # when the director reads the second page
    body = director().get(f"/cycles/{current.pk}/analysis/?page=2").content.decode()
    # then
    assert f"(families 31\u201360 of {total})" in body  # an en dash
    assert "Page 2 of 3" in body
    assert 'href="?page=1"' in body and 'href="?page=3"' in body
    assert "&amp;page=2" in body or "&page=2" in body  # the live refresh keeps the page


def test_an_unreadable_analysis_page_is_refused_naming_it(demo: None) -> None:
    current = Cycle.objects.get(business_unit__code="demo", stage=Stage.DEMAND_REVIEW)
    response = director().get(f"/cycles/{current.pk}/analysis/?page=x")
    assert response.status_code == 400
    assert "page: Enter a whole number." in response.content.decode()

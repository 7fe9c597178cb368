"""The analysis read: family count and pages without scanning every line."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from planning.models import Cycle, LineAnalysis, ProductFamily
from planning.selectors import cycle_analysis_read
from tests.demo_snapshot import DEMO_PLAN_MONTH

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_cycle(demo: None) -> Cycle:
    return Cycle.objects.get(business_unit__code="demo", plan_month=DEMO_PLAN_MONTH)


def analysed_codes(cycle: Cycle) -> list[str]:
    """The families of the stored analysis, counted the slow way (every line)."""
    rows = LineAnalysis.objects.filter(cycle=cycle).values_list("family__code", flat=True)
    return sorted(set(rows))


def test_the_family_count_is_the_number_of_analysed_families(demo_cycle: Cycle) -> None:
    codes = analysed_codes(demo_cycle)
    assert len(codes) == 13
    assert cycle_analysis_read(demo_cycle, family_limit=5).family_count == len(codes)
    chosen = [codes[0], codes[4], "NO-SUCH-FAMILY"]
    assert cycle_analysis_read(demo_cycle, family_codes=chosen).family_count == 2


def test_pages_cover_every_family_once_in_code_order(demo_cycle: Cycle) -> None:
    seen: list[str] = []
    for offset in range(0, 15, 5):
        analysis = cycle_analysis_read(demo_cycle, family_offset=offset, family_limit=5)
        page = list(dict.fromkeys(row["family__code"] for row in analysis.rows))
        assert len(page) <= 5
        assert all(
            len([row for row in analysis.rows if row["family__code"] == code]) == 6 for code in page
        )
        seen += page
    assert seen == analysed_codes(demo_cycle)


def test_a_filtered_page_counts_and_pages_only_the_chosen_families(demo_cycle: Cycle) -> None:
    codes = analysed_codes(demo_cycle)
    chosen = codes[2:9]
    analysis = cycle_analysis_read(demo_cycle, family_codes=chosen, family_offset=3, family_limit=3)
    assert analysis.family_count == 7
    assert list(dict.fromkeys(row["family__code"] for row in analysis.rows)) == chosen[3:6]


def test_a_family_not_yet_analysed_is_neither_counted_nor_paged(demo_cycle: Cycle) -> None:
    # given: a family of the unit with no analysis (its lines await the recompute)
    ProductFamily.objects.create(business_unit=demo_cycle.business_unit, code="AAA-NEW", name="n")
    # when
    analysis = cycle_analysis_read(demo_cycle, family_limit=2)
    # then: count and page agree with the stored analysis
    assert analysis.family_count == 13
    assert {row["family__code"] for row in analysis.rows} == set(analysed_codes(demo_cycle)[:2])


def test_the_read_never_counts_distinct_over_every_line(demo_cycle: Cycle) -> None:
    with CaptureQueriesContext(connection) as queries:
        cycle_analysis_read(demo_cycle, family_limit=50)
    statements = [
        query["sql"].upper()
        for query in queries.captured_queries
        if not query["sql"].upper().startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]
    assert len(statements) == 3
    assert not any("DISTINCT" in statement for statement in statements)

"""Every page asks the database the same number of queries at any number of families (the
benchmark's pages, ``manage.py sop_page_bench``, as the role that does their work)."""

from __future__ import annotations

from planning import page_benchmark
from planning.models import BusinessUnit, Cycle, ProductFamily
from planning.roles import Stage


def test_no_pages_query_count_grows_with_the_number_of_families(demo: None) -> None:
    # given the demo and its pages' query counts
    unit = BusinessUnit.objects.get(code="demo")
    cycles = {
        "current": Cycle.objects.get(business_unit=unit, stage=Stage.DEMAND_REVIEW),
        "previous": Cycle.objects.get(business_unit=unit, stage=Stage.EXECUTIVE_REVIEW),
    }
    few = page_benchmark.page_query_counts(cycles)
    families_before = ProductFamily.objects.filter(business_unit=unit).count()
    # when the unit has 60 more families, planned in every cycle and recomputed
    page_benchmark.families_add(cycles, 60)
    assert ProductFamily.objects.filter(business_unit=unit).count() == families_before + 60
    # then every page asks as many queries as before
    many = page_benchmark.page_query_counts(cycles)
    assert many == few
    assert set(few) >= {"home", "overview", "demand", "supply", "finance", "analysis",
                        "decision", "history", "maturity", "notifications"}  # fmt: skip

"""Cost prediction: low / expected / high bands from the tiers' min / desired / max, usage-driven charges
named, and the operations resources priced (dashboards, alarms) or free with a reason."""

from __future__ import annotations

import pytest

from infra import cost
from infra.report.cost import render_markdown, render_text, summary_lines
from tests.infra.test_cost import HOURS, config, priced, small_plan  # noqa: F401 (the `config` fixture)


def test_the_band_runs_every_tier_from_its_minimum_to_its_maximum_all_month(config) -> None:  # noqa: F811
    est = priced(small_plan(config))
    low, expected, high = est.band()
    compute_now = 0.04 * HOURS + 30 * 0.10  # min 1 = desired 1 spot t3.large, its 30 GB root volume
    compute_max = 2 * 0.04 * HOURS + 2 * 30 * 0.10  # max 2, each with its volume
    gpu_now = 0.20 * 5 * 2 * 52 / 12  # min 0: the dev schedule's busy hours
    gpu_max = 2 * 0.20 * HOURS  # max 2 all month
    assert expected == pytest.approx(est.total_usd)
    assert low == pytest.approx(expected)  # both tiers already run at their minimum
    assert high == pytest.approx(expected - compute_now - gpu_now + compute_max + gpu_max)


def test_usage_driven_charges_are_named_with_the_usage_setting_they_come_from(config) -> None:  # noqa: F811
    est = priced(small_plan(config))
    found = {(name, key) for name, _, key, _ in est.usage_driven()}
    assert found == {("backups", "usage.storage_gb"), ("nat", "usage.nat_processed_gb")}
    assert est.to_json()["usageDriven"][0]["usage"].startswith("usage.")


def test_the_cost_report_of_prod_shows_the_band_and_the_usage_driven_charges(prod_plan) -> None:
    est = cost.estimate(prod_plan)
    low, expected, high = est.band()
    assert low == pytest.approx(expected)  # prod runs at its minimum
    assert high > expected + 1000  # and may grow to 8 compute and 4 gpu and memory instances per cloud
    text = render_text(est)
    assert (
        f"band: low ${low:,.2f} (tiers at their minimum) / expected ${expected:,.2f} (desired) / high ${high:,.2f}"
        in text
    )
    assert "usage-driven charges (at the configured usage" in text
    assert "qmoi-aws-cdn-distribution: 100 GB egress (usage.cdn_egress_gb)" in text
    assert summary_lines(est)[1].startswith("band: low")
    assert f"band ${low:,.2f} at the tiers' minimum to ${high:,.2f}" in render_markdown(est)
    assert est.to_json()["band"] == {"low": round(low, 2), "expected": round(expected, 2), "high": round(high, 2)}


def test_dashboards_alarms_and_subscriptions_are_priced_or_named_unpriced(prod_plan) -> None:
    est = cost.estimate(prod_plan)
    by_name = {r.name: r for r in est.resources}
    dashboard = by_name["qmoi-aws-dashboard-operations"]
    assert dashboard.monthly_usd == pytest.approx(3.0)
    # An overestimate a reader can see: the account's first three dashboards are free, shared by every stack.
    assert "first 3 dashboards" in dashboard.items[0].label
    (rate,) = by_name["qmoi-aws-monitoring-ai_inference-error-rate"].items
    assert rate.monthly_usd == pytest.approx(0.2) and "2 alarm metrics" in rate.label  # errors and invocations
    (metrics,) = by_name["qmoi-aws-cdn-additional-metrics"].items
    assert metrics.unpriced and "how many metrics" in metrics.unpriced
    for name in (
        "qmoi-aws-budget-anomaly-monitor",
        "qmoi-aws-budget-anomaly-alerts",
        "qmoi-azure-budget-anomaly-alert",
    ):
        assert by_name[name].monthly_usd == 0 and by_name[name].free_reason
    assert "no charge" in str(by_name["qmoi-aws-budget-anomaly-monitor"].free_reason)
    (workbook,) = [r for r in est.resources if r.type == "azure-native:applicationinsights:Workbook"]
    assert workbook.free_reason

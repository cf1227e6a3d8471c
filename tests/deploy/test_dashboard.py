"""The Grafana dashboard is valid JSON, queries only metrics that the code exports, and covers what SREs watch."""

from __future__ import annotations

import json

import pytest

from tests.deploy.conftest import DEPLOY
from tests.deploy.metric_names import defined_series, queried_names

DASHBOARD = DEPLOY / "grafana" / "relance-dashboard.json"


@pytest.fixture(scope="module")
def dashboard() -> dict:
    return json.loads(DASHBOARD.read_text(encoding="utf-8"))


def panels_of(dashboard: dict) -> list[dict]:
    return [panel for panel in dashboard["panels"] if panel["type"] != "row"]


def expressions(dashboard: dict) -> list[str]:
    return [target["expr"] for panel in panels_of(dashboard) for target in panel["targets"]]


def test_dashboard_identity(dashboard):
    assert dashboard["uid"] == "relance-overview"
    assert dashboard["title"] == "relance"
    assert isinstance(dashboard["schemaVersion"], int)


def test_every_queried_metric_exists_in_code(dashboard):
    defined = defined_series()
    queried = set().union(*(queried_names(expr) for expr in expressions(dashboard)))

    assert queried, "the dashboard queries no relance_* metric"
    missing = sorted(queried - set(defined))
    assert not missing, f"the dashboard queries metrics that no code defines: {missing}"


def test_metric_grep_catches_unknown_name():
    defined = defined_series()

    assert "relance_channel_messages_total" in defined
    assert "relance_timer_lag_seconds_bucket" in defined
    assert "relance_timer_lag_seconds" not in defined
    assert "relance_channel_sent_total" not in defined


def test_panel_ids_are_unique(dashboard):
    ids = [panel["id"] for panel in dashboard["panels"]]

    assert len(ids) == len(set(ids))


def test_panels_use_datasource_variable(dashboard):
    variables = {variable["name"] for variable in dashboard["templating"]["list"]}

    assert {"datasource", "namespace", "channel"} <= variables
    for panel in panels_of(dashboard):
        assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
        assert panel["targets"], panel["title"]
        assert panel["description"], panel["title"]


def test_panels_do_not_overlap(dashboard):
    cells: dict[tuple[int, int], str] = {}
    for panel in dashboard["panels"]:
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
        for row in range(grid["y"], grid["y"] + grid["h"]):
            for column in range(grid["x"], grid["x"] + grid["w"]):
                assert (row, column) not in cells, f"{panel['title']} overlaps {cells[(row, column)]}"
                cells[(row, column)] = panel["title"]


@pytest.mark.parametrize("metric", [
    "relance_case_events_processed_total",    # throughput
    "relance_consumer_lag",                   # consumer lag
    "relance_timer_lag_seconds_bucket",       # timer lag
    "relance_dlq_records_total",              # DLQ
    "relance_channel_dlq_total",
    "relance_channel_messages_total",         # sent, failed, deferred per channel
    "relance_channel_suppressed_total",
    "relance_channel_deferred_commands",
    "relance_channel_retries_total",          # retry rate
    "relance_channel_send_duration_seconds_bucket",  # send latency histogram
    "relance_case_resolutions_total",         # business activity
    "relance_cases_open",
])
def test_dashboard_covers_metric(dashboard, metric):
    assert any(metric in expr for expr in expressions(dashboard))


def test_send_latency_is_a_heatmap(dashboard):
    [heatmap] = [panel for panel in panels_of(dashboard) if panel["type"] == "heatmap"]

    assert heatmap["targets"][0]["format"] == "heatmap"
    assert "relance_channel_send_duration_seconds_bucket" in heatmap["targets"][0]["expr"]

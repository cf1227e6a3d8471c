"""The alert rules pass promtool's checks and unit tests, and every rule has a test in which it fires."""

from __future__ import annotations

from tests.deploy.conftest import DEPLOY, load_yaml, run
from tests.deploy.metric_names import defined_series, queried_names

RULES = DEPLOY / "prometheus" / "alerts.yaml"
RULE_TESTS = DEPLOY / "prometheus" / "alerts.test.yaml"
REQUIRED_ALERTS = {
    "RelanceCaseDLQGrowing", "RelanceChannelDLQGrowing", "RelanceTimerLagHigh", "RelanceConsumerLagHigh",
    "RelanceChannelFailureRatioHigh", "RelanceRedisUnavailable", "RelanceNoEventsProcessed", "RelanceWorkerDown",
}


def rules() -> list[dict]:
    return [rule for group in load_yaml(RULES)["groups"] for rule in group["rules"]]


def test_promtool_check_rules(promtool):
    result = run([promtool, "check", "rules", RULES])

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(rules())} rules found" in result.stdout


def test_promtool_unit_tests_pass(promtool):
    result = run([promtool, "test", "rules", RULE_TESTS])

    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_promtool_unit_tests_can_fail(promtool, tmp_path):
    # The same tests against rules whose thresholds moved must fail, so a passing run means something.
    text = RULES.read_text(encoding="utf-8").replace("> 1000", "> 5000").replace("> 0.1", "> 0.5")
    (tmp_path / "alerts.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "alerts.test.yaml").write_text(RULE_TESTS.read_text(encoding="utf-8"), encoding="utf-8")

    result = run([promtool, "test", "rules", tmp_path / "alerts.test.yaml"])

    assert result.returncode != 0
    assert "RelanceConsumerLagHigh" in result.stdout + result.stderr
    assert "RelanceChannelFailureRatioHigh" in result.stdout + result.stderr


def test_required_alerts_exist():
    names = {rule["alert"] for rule in rules()}

    assert REQUIRED_ALERTS <= names


def test_every_rule_fires_in_a_unit_test():
    fired = {
        case["alertname"]
        for test in load_yaml(RULE_TESTS)["tests"]
        for case in test.get("alert_rule_test", [])
        if case.get("exp_alerts")
    }

    assert {rule["alert"] for rule in rules()} <= fired


def test_rules_have_severity_and_text():
    for rule in rules():
        assert rule["labels"]["severity"] in {"critical", "warning", "info"}, rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]
        assert rule["annotations"]["description"], rule["alert"]


def test_rules_query_only_metrics_in_code():
    defined = set(defined_series())
    queried = set().union(*(queried_names(rule["expr"]) for rule in rules()))

    assert not sorted(queried - defined), f"the rules query metrics that no code defines: {sorted(queried - defined)}"

"""Scenario files: the packaged default loads, and an invalid file names its line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.scenario import load_scenario
from agents.scenario.loader import ScenarioError, parse_scenario

DEFAULT = Path(__file__).resolve().parents[3] / "agents" / "scenario" / "default.yaml"


def test_default_scenario_loads():
    scenario = load_scenario()
    assert [step.day for step in scenario.timed_steps()][-1] == 15
    assert {step.trigger for step in scenario.steps if step.trigger} == {
        "second_rejection", "new_bank_details", "mandate_cancelled", "dispute"}


def test_bad_tone_names_line_and_field():
    text = DEFAULT.read_text().replace("template: second_rejection, tone: formal", "template: second_rejection, tone: rude")
    line = next(number for number, row in enumerate(text.splitlines(), 1) if "tone: rude" in row)
    with pytest.raises(ScenarioError) as error:
        parse_scenario(text, "s.yaml")
    assert f"s.yaml:{line}: steps." in str(error.value)
    assert ".action.tone:" in str(error.value)


def test_step_needs_day_or_trigger():
    text = "name: x\nsegments:\n  - {name: s, min_score: 0}\nsteps:\n  - id: a\n    action: {type: close, reason: r}\n"
    with pytest.raises(ScenarioError, match="s.yaml:5: steps.0: Value error, give exactly one of day"):
        parse_scenario(text, "s.yaml")


def test_invalid_yaml_names_line():
    with pytest.raises(ScenarioError, match="s.yaml:2: invalid YAML"):
        parse_scenario("name: x\n  bad: [\n", "s.yaml")


def test_missing_file_names_path(tmp_path):
    with pytest.raises(ScenarioError, match="cannot be read"):
        load_scenario(tmp_path / "absent.yaml")

"""The dunning scenario: its YAML model, the packaged default and the segment scoring rule."""

from agents.scenario.loader import load_scenario
from agents.scenario.model import Scenario, Step

__all__ = ["Scenario", "Step", "load_scenario"]

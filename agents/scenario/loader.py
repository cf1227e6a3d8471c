"""Load a scenario YAML file; a validation error names the file, the line and the field."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from agents.scenario.model import Scenario
from streams.errors import ConfigError

DEFAULT_SCENARIO = "default.yaml"


class ScenarioError(ConfigError):
    """A scenario file is missing, is not YAML, or breaks the scenario model."""


def load_scenario(path: Path | None = None) -> Scenario:
    """Return the scenario in `path`, or the packaged default when `path` is None."""
    if path is None:
        text = resources.files("agents.scenario").joinpath(DEFAULT_SCENARIO).read_text(encoding="utf-8")
        name = f"packaged {DEFAULT_SCENARIO}"
    else:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ScenarioError(f"scenario file {path} cannot be read: {exc.strerror}; check RELANCE_SCENARIO_FILE") from exc
        name = str(path)
    return parse_scenario(text, name)


def parse_scenario(text: str, name: str = "<scenario>") -> Scenario:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{name}:{mark.line + 1}" if mark is not None else name
        raise ScenarioError(f"{where}: invalid YAML: {getattr(exc, 'problem', exc)}") from exc
    if not isinstance(data, dict):
        raise ScenarioError(f"{name}: a scenario is a YAML mapping with name, segments and steps")
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_describe(exc, root, name)) from exc


def _describe(exc: ValidationError, root: yaml.Node | None, name: str) -> str:
    lines = []
    for error in exc.errors():
        location = [part for part in error["loc"] if not _is_union_tag(part)]
        line = _line_of(root, location)
        field = ".".join(str(part) for part in location) or "(top level)"
        lines.append(f"{name}:{line}: {field}: {error['msg']}")
    return f"invalid scenario {name}:\n" + "\n".join(lines)


def _is_union_tag(part: Any) -> bool:
    # Pydantic adds the discriminator value (notify, represent...) to the location of a tagged union.
    return isinstance(part, str) and part in {"notify", "represent", "offer", "hand_off", "formal_notice", "close"}


def _line_of(node: yaml.Node | None, location: list[Any]) -> int:
    """Return the 1-based line of the deepest YAML node on `location`."""
    if node is None:
        return 1
    for part in location:
        child = None
        if isinstance(node, yaml.MappingNode):
            child = next((value for key, value in node.value if key.value == part), None)
            if child is None:
                break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            child = node.value[part]
        else:
            break
        node = child
    return node.start_mark.line + 1

"""Prometheus metric names that relance's source defines, read from the metric constructors in the code."""

from __future__ import annotations

import re
from pathlib import Path

from tests.deploy.conftest import REPO

_CONSTRUCTOR = re.compile(r'\b(Counter|Gauge|Histogram|Summary)\(\s*"(relance_[a-z0-9_]+)"')
_SUFFIXES = {
    "Counter": ("",),
    "Gauge": ("",),
    "Histogram": ("_bucket", "_sum", "_count"),
    "Summary": ("", "_sum", "_count"),
}
METRIC_NAME = re.compile(r"\brelance_[a-z0-9_]+")


def defined_series() -> dict[str, Path]:
    """Return every series name that the code exports, with the file that defines it."""
    series: dict[str, Path] = {}
    for folder in ("agents", "streams"):
        for path in (REPO / folder).rglob("*.py"):
            for kind, name in _CONSTRUCTOR.findall(path.read_text(encoding="utf-8")):
                for suffix in _SUFFIXES[kind]:
                    series[name + suffix] = path
    return series


def queried_names(text: str) -> set[str]:
    return set(METRIC_NAME.findall(text))

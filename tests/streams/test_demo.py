"""`relance demo` as a user runs it: the real stack, a real bank file, and a timeline per debtor."""

from __future__ import annotations

import re

import pytest

from tests.streams.cli_runner import relance_env, run_relance


def _timelines(output: str) -> dict[str, str]:
    """Split the demo's output into one block of text per debtor, keyed by reason code."""
    blocks = re.split(r"\n(?=DEBTOR-\d{3} )", output)
    timelines = {}
    for block in blocks:
        match = re.match(r"DEBTOR-\d{3}\s+mandate \S+\s+code (\S+)", block)
        if match:
            timelines[match.group(1)] = block.split("\n\n")[0]
    return timelines


@pytest.mark.integration
def test_demo_timelines_follow_causes(stack, bank_files, tmp_path):
    env = relance_env(RELANCE_STATE_DIR=str(stack.state_dir))
    result = run_relance("demo", str(bank_files / "pain002-boi-unpaid.xml"), env=env, cwd=tmp_path, timeout=300)

    assert result.returncode == 0, result.stderr[-3000:]
    timelines = _timelines(result.stdout)
    assert sorted(timelines) == ["AC01", "AM04", "MD06", "MS02"]
    for code in ("AC01", "MS02", "MD06"):
        assert "re-present on" not in timelines[code], f"{code} must never be re-presented"
    assert timelines["AM04"].count("re-present on") == 1
    assert "second_rejection_alert" in timelines["AM04"]
    assert "formal_notice: letter formal_notice" in timelines["AM04"]
    assert "understand_debtor" in timelines["MS02"]
    assert "resolution rate" in result.stdout
    assert "Delivered on the dev servers" in result.stdout
    assert "First e-mail, as the debtor reads it" in result.stdout


def test_demo_file_without_ids_exits_before_stack(bank_files, tmp_path):
    result = run_relance("demo", str(bank_files / "cfonb120-example.txt"), env=relance_env(), cwd=tmp_path)

    assert result.returncode == 1
    assert "neither a mandate id nor an end-to-end id" in result.stdout
    assert "starting the local stack" not in result.stdout
    assert "Traceback" not in result.stderr

"""Every command that the engine emits renders through the channel templates, for each cause and locale."""

from __future__ import annotations

import pytest

from agents.channels.templates import TemplateRenderer
from tests.agents.cases.test_engine import Harness, PROFILE

RENDERER = TemplateRenderer()


def _commands_for(code: str, locale: str, second_rejection: bool) -> list[dict]:
    harness = Harness(profile={**PROFILE, "locale": locale, "name": "Camille Martin"})
    harness.reject(code)
    if second_rejection:
        harness.run_until(4)
        harness.reject(code, event_id="r2")
    harness.run_until(16)
    return harness.of("send_notification")


@pytest.mark.parametrize("locale", ["fr", "en"])
@pytest.mark.parametrize("code", ["AM04", "AC01", "MS02", "MD06", "AC04", "AG01", "TECH"])
def test_engine_commands_render(code, locale):
    commands = _commands_for(code, locale, second_rejection=code == "AM04")
    assert commands, f"{code}: the scenario sent no notification"
    for command in commands:
        command = {**command, "locale": locale}
        message = RENDERER.render(command, today=command["occurred_at"].date())
        assert message.body.strip(), f"{command['template']} rendered an empty body"
        assert "{{" not in message.body


def test_formal_notice_carries_deadline_and_address():
    commands = _commands_for("AM04", "fr", second_rejection=True)
    notice = next(command for command in commands if command["template"] == "formal_notice")
    message = RENDERER.render(notice, today=notice["occurred_at"].date())
    assert "mise en demeure" in message.body.lower()
    assert "12 rue de la Paix" in message.body

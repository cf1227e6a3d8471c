"""Templates: every purpose renders for every cause, tone and locale, and a gap is a clear error."""

from __future__ import annotations

import re
from datetime import date

import pytest

from agents.channels.errors import TemplateRenderError
from agents.channels.templates import TemplateRenderer, pick_locale
from tests.agents.channels.conftest import make_command

PURPOSES = ("reminder", "represent_notice", "second_rejection", "payment_options", "call_context", "formal_notice")
CAUSES = ("insufficient_funds", "incorrect_bank_details", "opposition", "account_closed", "bank_block", "technical")
TONES = ("friendly", "formal", "firm", "legal")
TODAY = date(2026, 3, 12)

# A phrase that only the text for that cause contains, per locale.
CAUSE_PHRASES = {
    "fr": {
        "insufficient_funds": "provision insuffisante",
        "incorrect_bank_details": "coordonnées bancaires",
        "opposition": "opposition",
        "account_closed": "clôturé",
        "bank_block": "bloqué",
        "technical": "incident technique",
    },
    "en": {
        "insufficient_funds": "insufficient funds",
        "incorrect_bank_details": "bank details",
        "opposition": "refund",
        "account_closed": "closed",
        "bank_block": "blocked",
        "technical": "technical",
    },
}


@pytest.fixture(scope="module")
def renderer() -> TemplateRenderer:
    return TemplateRenderer()


@pytest.mark.parametrize("locale", ["fr", "en"])
@pytest.mark.parametrize("cause", CAUSES)
@pytest.mark.parametrize("purpose", PURPOSES)
def test_every_template_renders_filled(renderer, purpose, cause, locale):
    for tone in TONES:
        message = renderer.render(make_command(template=purpose, cause=cause, tone=tone, locale=locale), TODAY)
        for part in (message.subject, message.body, message.short, message.html):
            assert part.strip(), f"{purpose}/{cause}/{tone}/{locale}: an empty part"
            where = f"{purpose}/{cause}/{tone}/{locale}"
            assert "{{" not in part, f"{where}: unrendered variable"
            assert "{%" not in part, f"{where}: unrendered tag"
            assert "Undefined" not in part, f"{where}: undefined value"
            assert "None" not in part, f"{where}: empty value printed as None"
        assert message.locale == locale
        if tone != "friendly":
            assert CAUSE_PHRASES[locale][cause] in message.body, f"{purpose}/{tone}/{locale}: no text for {cause}"


@pytest.mark.parametrize("locale", ["fr", "en"])
@pytest.mark.parametrize("tone", TONES)
@pytest.mark.parametrize("purpose", PURPOSES)
def test_each_cause_gets_its_own_text(renderer, purpose, tone, locale):
    bodies = {cause: renderer.render(make_command(template=purpose, cause=cause, tone=tone, locale=locale), TODAY).body
              for cause in CAUSES}
    assert len(set(bodies.values())) == len(CAUSES)


@pytest.mark.parametrize("locale, amount", [("fr", "49,90 €"), ("en", "€49.90")])
def test_reminder_has_amount_and_payment_ways(renderer, locale, amount):
    message = renderer.render(make_command(locale=locale), TODAY)
    assert amount in message.subject
    assert ("5 mars 2026" if locale == "fr" else "5 March 2026") in message.body
    assert "https://pay.example.org/p/abc123" in message.body
    assert "FR7630006000011234567890189" in message.body
    assert "AGRIFRPP" in message.body
    assert "https://pay.example.org/plan/abc123" in message.body
    assert "https://pay.example.org/cash/abc123" in message.body
    assert "01 23 45 67 89" in message.body
    assert "recouvrement@example.org" in message.body
    assert '<a href="https://pay.example.org/p/abc123"' in message.html


def test_french_text_differs_by_tone(renderer):
    friendly = renderer.render(make_command(tone="friendly"), TODAY).body
    formal = renderer.render(make_command(tone="formal"), TODAY).body
    assert friendly.startswith("Bonjour Camille Martin,")
    assert formal.startswith("Camille Martin,")
    assert "salutations distinguées" in formal
    assert "salutations distinguées" not in friendly


def test_formal_notice_has_french_legal_mentions(renderer):
    body = renderer.render(make_command(template="formal_notice", tone="legal"), TODAY).body
    assert "MISE EN DEMEURE" in body
    assert "Le 12 mars 2026" in body
    assert "articles 1344 et 1344-1 du Code civil" in body
    assert "intérêts au taux légal" in body
    assert "injonction de payer" in body
    assert "25 mars 2026" in body
    assert "F-2026-0042" in body
    assert "RUM-000042" in body
    assert "12 avenue de la République, 69002 Lyon" in body
    assert "75011 Paris" in body


def test_formal_notice_business_mentions_only_for_business(renderer):
    consumer = renderer.render(make_command(template="formal_notice", tone="legal"), TODAY).body
    business = renderer.render(
        make_command(template="formal_notice", tone="legal", variables={"is_business": "true"}), TODAY
    ).body
    assert "L441-10" in business
    assert "40 €" in business
    assert "L441-10" not in consumer
    assert "40 €" not in consumer
    assert "frais de recouvrement" not in consumer


def test_missing_variable_names_template_and_variable(renderer):
    with pytest.raises(TemplateRenderError) as raised:
        renderer.render(make_command(drop_variables=["payment_link"]), TODAY)
    assert "fr/reminder.j2" in str(raised.value)
    assert "'payment_link'" in str(raised.value)


def test_missing_due_date_is_an_error(renderer):
    with pytest.raises(TemplateRenderError, match="'due_date'"):
        renderer.render(make_command(due_date=None), TODAY)


def test_missing_template_names_it(renderer):
    with pytest.raises(TemplateRenderError) as raised:
        renderer.render(make_command(template="thank_you"), TODAY)
    assert "'thank_you'" in str(raised.value)
    assert "fr/thank_you.j2" in str(raised.value)


def test_invalid_template_name_is_rejected(renderer):
    with pytest.raises(TemplateRenderError, match="invalid template name"):
        renderer.render(make_command(template="../secrets"), TODAY)


def test_optional_ways_to_pay_may_be_absent(renderer):
    message = renderer.render(make_command(drop_variables=["instalments_link", "cash_points_link"]), TODAY)
    assert "échéancier" not in message.body
    assert "espèces" not in message.body


def test_cause_and_tone_override_file_wins(tmp_path):
    source = TemplateRenderer().template_dir
    for path in source.rglob("*.j2"):
        target = tmp_path / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "fr" / "reminder.opposition.friendly.j2").write_text(
        "{% block subject %}Parlons-en{% endblock %}{% block body %}Texte {{ amount }}{% endblock %}"
        "{% block short %}Court{% endblock %}",
        encoding="utf-8",
    )
    renderer = TemplateRenderer(tmp_path)
    override = renderer.render(make_command(cause="opposition"), TODAY)
    regular = renderer.render(make_command(cause="technical"), TODAY)
    assert override.template_file == "fr/reminder.opposition.friendly.j2"
    assert override.body == "Texte 49,90 €"
    assert regular.template_file == "fr/reminder.j2"


@pytest.mark.parametrize("given, expected", [("fr", "fr"), ("en", "en"), ("en-GB", "en"), ("fr_FR", "fr"),
                                             ("de", "fr"), ("", "fr"), (None, "fr")])
def test_locale_falls_back_to_french(given, expected):
    assert pick_locale(given) == expected


def test_short_text_fits_two_sms(renderer):
    for purpose in PURPOSES:
        for locale in ("fr", "en"):
            short = renderer.render(make_command(template=purpose, locale=locale, cause="incorrect_bank_details"), TODAY).short
            assert len(short) <= 306, f"{purpose}/{locale}: {len(short)} characters"
            assert not re.search(r"\s{2,}", short)


def test_empty_required_variable_is_missing(renderer):
    with pytest.raises(TemplateRenderError, match="'deadline'"):
        renderer.render(make_command(template="second_rejection", tone="formal", variables={"deadline": ""}), TODAY)


@pytest.mark.parametrize("locale, label", [("fr", "le dossier case-42"), ("en", "case case-42")])
def test_without_invoice_and_mandate_the_case_is_named(renderer, locale, label):
    for purpose in PURPOSES:
        command = make_command(template=purpose, locale=locale, tone="legal",
                               variables={"invoice_id": "", "mandate_id": ""})
        message = renderer.render(command, TODAY)
        assert "case-42" in message.body, purpose
        assert "F-2026-0042" not in message.body, purpose
        assert "RUM-000042" not in message.body, purpose
        assert "  " not in message.body, purpose
    reminder = renderer.render(make_command(locale=locale, variables={"invoice_id": ""}), TODAY).body
    assert label in reminder

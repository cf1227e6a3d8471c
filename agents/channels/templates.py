"""Render a notification command with its jinja2 template, in French or English, failing on any missing variable.

A command's `template` field names the purpose (reminder, formal_notice…). For locale L, cause C and tone T,
the renderer uses the first file that exists among `L/<purpose>.C.T.j2`, `L/<purpose>.C.j2` and
`L/<purpose>.j2`, so a creditor can add a text for one cause and tone without touching the others. The shipped
purpose files choose their cause- and tone-specific paragraphs from the macros in `L/_library.j2`.
Each purpose file defines the blocks `subject`, `body` (plain text, paragraphs split by blank lines) and
`short` (SMS and push). The HTML part of an e-mail is `L/_email.html.j2` around the body's paragraphs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import jinja2

from agents.channels.errors import TemplateRenderError
from agents.channels.formatting import format_date, format_money, format_variable

TEMPLATE_DIR = Path(__file__).resolve().parents[1] / "templates"
LOCALES = ("fr", "en")
DEFAULT_LOCALE = "fr"
BLOCKS = ("subject", "body", "short")


@dataclass(frozen=True)
class RenderedMessage:
    """The texts of one message, every variable filled."""

    template_file: str
    locale: str
    subject: str
    body: str
    short: str
    html: str

    def paragraphs(self) -> list[str]:
        return [part for part in self.body.split("\n\n") if part.strip()]


def pick_locale(locale: str | None) -> str:
    """Return fr or en for a debtor locale such as en-GB or fr_FR; French when unknown."""
    language = (locale or "").replace("_", "-").split("-")[0].lower()
    return language if language in LOCALES else DEFAULT_LOCALE


class TemplateRenderer:
    """Load templates from a folder and render commands with StrictUndefined."""

    def __init__(self, template_dir: Path = TEMPLATE_DIR) -> None:
        self.template_dir = template_dir
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(template_dir)),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            autoescape=False,
        )
        self.html_env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(template_dir)),
            undefined=jinja2.StrictUndefined,
            autoescape=True,
        )

    def candidates(self, purpose: str, locale: str, cause: str, tone: str) -> list[str]:
        return [f"{locale}/{purpose}.{cause}.{tone}.j2", f"{locale}/{purpose}.{cause}.j2", f"{locale}/{purpose}.j2"]

    def render(self, command: dict[str, Any], today: date) -> RenderedMessage:
        """Render every part of `command`; raise TemplateRenderError naming the template and the variable."""
        purpose = command["template"]
        if not re.fullmatch(r"[a-z][a-z0-9_]*", purpose or ""):
            raise TemplateRenderError(
                f"invalid template name {purpose!r}: use a purpose such as reminder or formal_notice"
            )
        locale = pick_locale(command.get("locale"))
        names = self.candidates(purpose, locale, command["cause"], command["tone"])
        try:
            template = self.env.select_template(names)
        except jinja2.TemplatesNotFound as exc:
            raise TemplateRenderError(
                f"template {purpose!r} not found for locale {locale}: none of {', '.join(names)} exists in "
                f"{self.template_dir}; add one of them or fix the command's template field"
            ) from exc
        context = self.context(command, locale, today)
        parts = {block: self._render_block(template, block, context) for block in BLOCKS}
        html = self._render_html(template.name, locale, parts, context)
        return RenderedMessage(template.name, locale, parts["subject"], parts["body"], parts["short"], html)

    def context(self, command: dict[str, Any], locale: str, today: date) -> dict[str, Any]:
        """Build the template variables: the command's fields, formatted, then its `variables` map."""
        recipient = command.get("recipient") or {}
        amount = command["amount_due"]
        context: dict[str, Any] = {
            "locale": locale,
            "case_id": command["case_id"],
            "cause": command["cause"],
            "tone": command["tone"],
            "channel": command["channel"],
            "template": command["template"],
            "name": recipient.get("name"),
            "amount": format_money(amount["amount_minor"], amount["currency"], locale),
            "amount_minor": amount["amount_minor"],
            "currency": amount["currency"],
            "today": format_date(today, locale),
            "address_lines": _address_lines(recipient.get("postal_address")),
        }
        due = command.get("due_date")
        if due is not None:
            context["due_date"] = format_date(due if isinstance(due, date) else date.fromisoformat(str(due)), locale)
        for key, value in (command.get("variables") or {}).items():
            # An empty value counts as missing, so a required variable fails instead of leaving a gap.
            if not value.strip():
                continue
            if key == "is_business":
                context[key] = value.strip().lower() == "true"
            else:
                context[key] = format_variable(value, locale)
        context["reference"] = context.get("invoice_id", context["case_id"])
        context["debt"] = _debt_label(locale, context.get("invoice_id"), context["case_id"])
        return context

    def _render_block(self, template: jinja2.Template, block: str, context: dict[str, Any]) -> str:
        render_block = template.blocks.get(block)
        if render_block is None:
            raise TemplateRenderError(
                f"template {template.name} has no block {block!r}; define subject, body and short in it"
            )
        library = self._library(template.name.split("/")[0], context, template.name)
        try:
            text = "".join(render_block(template.new_context({**context, "lib": library})))
        except jinja2.UndefinedError as exc:
            raise TemplateRenderError(_missing_variable(template.name, exc)) from exc
        return _tidy(text)

    def _library(self, locale: str, context: dict[str, Any], template_name: str) -> Any:
        try:
            return self.env.get_template(f"{locale}/_library.j2").make_module(vars=context)
        except jinja2.UndefinedError as exc:
            raise TemplateRenderError(_missing_variable(template_name, exc)) from exc

    def _render_html(self, template_name: str, locale: str, parts: dict[str, str], context: dict[str, Any]) -> str:
        layout = self.html_env.get_template(f"{locale}/_email.html.j2")
        paragraphs = [part for part in parts["body"].split("\n\n") if part.strip()]
        try:
            return layout.render({**context, "subject": parts["subject"], "paragraphs": paragraphs})
        except jinja2.UndefinedError as exc:
            raise TemplateRenderError(_missing_variable(f"{locale}/_email.html.j2 for {template_name}", exc)) from exc


def _missing_variable(template_name: str, exc: jinja2.UndefinedError) -> str:
    match = re.search(r"'([^']+)' is undefined", str(exc))
    variable = match.group(1) if match else str(exc)
    return (
        f"template {template_name} needs variable {variable!r}, which the command does not carry; "
        f"add it to the command's variables map (see agents/templates/README.md)"
    )


def _debt_label(locale: str, invoice_id: str | None, case_id: str) -> str:
    """Name the debt in a sentence: the invoice when known, else the case."""
    if locale == "en":
        return f"invoice {invoice_id}" if invoice_id else f"case {case_id}"
    return f"la facture {invoice_id}" if invoice_id else f"le dossier {case_id}"


def _address_lines(address: dict[str, Any] | None) -> list[str]:
    if not address:
        return []
    return [*address.get("lines", []), f"{address['postcode']} {address['city']}", address["country"]]


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))

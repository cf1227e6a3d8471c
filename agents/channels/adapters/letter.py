"""Letters: the rendered text laid out as a PDF, then posted to a print-and-mail provider or written to an outbox folder."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import httpx
from fpdf import FPDF

from agents.channels.adapters.base import SendResult, bearer, json_field, post, provider_key
from agents.channels.errors import InvalidRecipient, SendError
from agents.channels.settings import Channel, ChannelSettings
from agents.channels.templates import RenderedMessage

# fpdf2's built-in fonts cover Windows-1252, which has the euro sign and every French letter.
_PDF_ENCODING = "windows-1252"


def render_pdf(rendered: RenderedMessage) -> bytes:
    """Lay out the letter body on A4 pages and return the PDF bytes."""
    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = _PDF_ENCODING
    pdf.set_title(_encodable(rendered.subject))
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    pdf.set_font("helvetica", size=10.5)
    for paragraph in rendered.paragraphs():
        bold = paragraph.isupper() or paragraph.startswith(("Objet :", "Subject:"))
        pdf.set_font("helvetica", style="B" if bold else "", size=10.5)
        pdf.multi_cell(0, 5.5, _encodable(paragraph), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    return bytes(pdf.output())


def _encodable(text: str) -> str:
    return text.encode(_PDF_ENCODING, "replace").decode(_PDF_ENCODING)


class LetterAdapter:
    channel = Channel.LETTER

    def __init__(self, settings: ChannelSettings, key_scope: str) -> None:
        self.settings = settings
        self.key_scope = key_scope
        self.client = httpx.Client(timeout=settings.http_timeout_seconds) if settings.letter_mode == "http" else None

    def check_recipient(self, command: dict[str, Any]) -> None:
        address = (command["recipient"] or {}).get("postal_address")
        if not address or not address.get("lines") or not address.get("postcode") or not address.get("city"):
            raise InvalidRecipient("the command has no complete postal address", "invalid_recipient: no postal address")

    def metadata(self, command: dict[str, Any]) -> dict[str, Any]:
        recipient = command["recipient"]
        return {
            "reference": provider_key(self.key_scope, command["idempotency_key"]),
            "case_id": command["case_id"],
            "recipient": {"name": recipient.get("name"), "address": recipient["postal_address"]},
            "registered": command["template"] in self.settings.letter_registered_templates,
            "acknowledgement_of_receipt": command["template"] in self.settings.letter_registered_templates,
        }

    def send(self, command: dict[str, Any], rendered: RenderedMessage) -> SendResult:
        pdf = render_pdf(rendered)
        key = provider_key(self.key_scope, command["idempotency_key"])
        name = hashlib.sha256(key.encode()).hexdigest()[:24]
        if self.settings.letter_mode == "outbox":
            return self._write_outbox(name, pdf, self.metadata(command))
        assert self.client is not None
        response = post(
            self.client, self.settings.letter_url, idempotency_key=key,
            data={"metadata": json.dumps(self.metadata(command))},
            files={"file": (f"{name}.pdf", pdf, "application/pdf")},
            headers=bearer(self.settings.letter_token),
        )
        letter_id = json_field(response, "id")
        return SendResult(None if letter_id is None else str(letter_id))

    def _write_outbox(self, name: str, pdf: bytes, metadata: dict[str, Any]) -> SendResult:
        folder = self.settings.letter_outbox_dir
        try:
            folder.mkdir(parents=True, exist_ok=True)
            # The same key always writes the same names, so a retried letter replaces itself.
            _write_atomic(folder / f"{name}.json", json.dumps(metadata, indent=2).encode())
            _write_atomic(folder / f"{name}.pdf", pdf)
        except OSError as exc:
            raise SendError(f"could not write the letter to outbox {folder}: {exc}", retryable=True) from exc
        return SendResult(name)

    def close(self) -> None:
        if self.client is not None:
            self.client.close()


def _write_atomic(path: Path, content: bytes) -> None:
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_bytes(content)
    os.replace(temporary, path)

"""parse_file: recognise a bank file and stream its debit_rejected events, reporting bad items on the side."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from agents.intake.camt import parse_camt
from agents.intake.cfonb120 import parse_cfonb120
from agents.intake.detect import FileHeader, MessageKind, detect, read_header
from agents.intake.events import build_event
from agents.intake.items import BadItem
from agents.intake.pain002 import parse_pain002
from streams.settings import Settings, get_settings

_PARSERS = {
    "pain.002": parse_pain002,
    "camt.052": parse_camt,
    "camt.053": parse_camt,
    "camt.054": parse_camt,
    "cfonb120": parse_cfonb120,
}


class ParsedFile:
    """A recognised bank file; iterate it for its events, then read `bad_items`.

    Creating it reads only the head of the file and raises BankFileError when the file is not a supported
    bank file. Iterating streams the rest and raises BankFileError when the file turns out bad as a whole,
    for example truncated. So a caller that publishes must finish the iteration before it publishes anything.
    """

    def __init__(self, path: Path, settings: Settings | None = None) -> None:
        self.path = Path(path)
        self.kind: MessageKind = detect(self.path)
        self.header: FileHeader = read_header(self.path, self.kind)
        self.bad_items: list[BadItem] = []
        self._hash_key = (settings or get_settings()).iban_hash_key.get_secret_value().encode()

    @property
    def message_id(self) -> str:
        return self.header.message_id

    def __iter__(self) -> Iterator[dict[str, Any]]:
        self.bad_items = []
        for item in _PARSERS[self.kind.family](self.path, self.header):
            if isinstance(item, BadItem):
                self.bad_items.append(item)
            else:
                yield build_event(item, self._hash_key)


def parse_file(path: Path, settings: Settings | None = None) -> ParsedFile:
    """Return the parsed bank file at `path`; see ParsedFile for when BankFileError is raised."""
    return ParsedFile(path, settings)

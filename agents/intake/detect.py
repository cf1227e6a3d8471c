"""Recognise a bank file's message type from its root element and namespace, or from the CFONB 120 layout."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from lxml import etree

from agents.intake.errors import BankFileError
from agents.intake.xml import (
    local_name,
    namespace,
    open_iterparse,
    parse_datetime,
    reject_doctype,
    syntax_error,
    text,
)

ISO_NAMESPACE = re.compile(r"urn:iso:std:iso:20022:tech:xsd:(pain\.002|camt\.05[234])\.001\.(\d{2})")

# Element under Document that carries each message, and the oldest version read.
MESSAGE_ELEMENTS = {
    "pain.002": "CstmrPmtStsRpt",
    "camt.052": "BkToCstmrAcctRpt",
    "camt.053": "BkToCstmrStmt",
    "camt.054": "BkToCstmrDbtCdtNtfctn",
}
OLDEST_VERSION = {"pain.002": 3, "camt.052": 2, "camt.053": 2, "camt.054": 2}
CFONB_RECORD_LENGTH = 120


@dataclass(frozen=True)
class MessageKind:
    family: str
    """pain.002, camt.052, camt.053, camt.054 or cfonb120."""
    version: str | None = None
    """For example 001.03; None for CFONB 120 or an ISO 20022 file without a namespace."""

    @property
    def name(self) -> str:
        return f"{self.family}.{self.version}" if self.version else self.family

    @property
    def is_xml(self) -> bool:
        return self.family != "cfonb120"


@dataclass(frozen=True)
class FileHeader:
    kind: MessageKind
    message_id: str
    created_at: datetime | None


def detect(path: Path) -> MessageKind:
    """Return the message kind of the file at `path`; raise BankFileError when it is not a supported bank file."""
    head = _read_head(path)
    stripped = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if not stripped:
        raise BankFileError(path, "file", "the file is empty")
    if stripped.startswith(b"<"):
        return _detect_xml(path)
    first_line = stripped.split(b"\n", 1)[0].rstrip(b"\r")
    if stripped.startswith(b"01") and len(first_line) == CFONB_RECORD_LENGTH:
        return MessageKind("cfonb120")
    raise BankFileError(
        path, "file", f"not XML and not a CFONB 120 statement: it starts with {stripped[:16]!r}. "
        "relance ingest reads pain.002, camt.052, camt.053, camt.054 and CFONB 120 files"
    )


def read_header(path: Path, kind: MessageKind) -> FileHeader:
    """Return the message id and creation time of the file, reading no further than its group header.

    A CFONB 120 file has no message id, so its id is a digest of its content: the same file renamed keeps it.
    """
    if not kind.is_xml:
        return FileHeader(kind, f"CFONB120-{_digest(path)}", None)
    context = open_iterparse(path, ("GrpHdr",), events=("end",))
    message_path = f"/Document/{MESSAGE_ELEMENTS[kind.family]}/GrpHdr"
    try:
        for _, element in context:
            message_id = text(element, "MsgId")
            if not message_id:
                raise BankFileError(path, f"{message_path}/MsgId", "the message id is missing or empty")
            created_text = text(element, "CreDtTm")
            if not created_text:
                raise BankFileError(path, f"{message_path}/CreDtTm", "the creation date-time is missing or empty")
            try:
                created_at = parse_datetime(created_text)
            except ValueError as exc:
                raise BankFileError(
                    path, f"{message_path}/CreDtTm", f"invalid date-time {created_text!r}: expected ISO 8601"
                ) from exc
            return FileHeader(kind, message_id, created_at)
    except etree.XMLSyntaxError as exc:
        raise syntax_error(str(path), message_path, exc) from exc
    raise BankFileError(path, message_path, "the group header (GrpHdr) is missing")


def _detect_xml(path: Path) -> MessageKind:
    context = open_iterparse(path, ("*",), events=("start",))
    elements: list[etree._Element] = []
    try:
        for _, element in context:
            elements.append(element)
            if len(elements) == 2:
                break
    except etree.XMLSyntaxError as exc:
        raise syntax_error(str(path), "/" + "/".join(local_name(e) for e in elements), exc) from exc
    if not elements:
        raise BankFileError(path, "/", "the XML document has no root element")

    root = elements[0]
    reject_doctype(root, str(path), "/")
    if local_name(root) != "Document":
        raise BankFileError(path, f"/{local_name(root)}", "the root element must be Document, as in every ISO 20022 message")
    if len(elements) < 2:
        raise BankFileError(path, "/Document", "the Document element is empty")

    message = elements[1]
    found_namespace = namespace(root)
    if found_namespace is None:
        # NOTE: a file without a namespace is read by its message element alone, with no version.
        family = next((f for f, name in MESSAGE_ELEMENTS.items() if name == local_name(message)), None)
        if family is None:
            raise BankFileError(
                path, f"/Document/{local_name(message)}",
                "unknown message type without a namespace: expected " + ", ".join(MESSAGE_ELEMENTS.values()),
            )
        return MessageKind(family)

    match = ISO_NAMESPACE.fullmatch(found_namespace)
    if match is None:
        raise BankFileError(
            path, "/Document",
            f"unknown namespace {found_namespace!r}: expected a pain.002 or camt.052/053/054 ISO 20022 namespace, "
            "such as urn:iso:std:iso:20022:tech:xsd:pain.002.001.03",
        )

    family, version = match.group(1), int(match.group(2))
    if version < OLDEST_VERSION[family]:
        raise BankFileError(
            path, "/Document",
            f"{family}.001.{version:02d} is not supported: relance reads {family}.001.{OLDEST_VERSION[family]:02d} and later",
        )
    expected = MESSAGE_ELEMENTS[family]
    if local_name(message) != expected:
        raise BankFileError(
            path, f"/Document/{local_name(message)}", f"a {family} Document must contain {expected}, not {local_name(message)}"
        )
    return MessageKind(family, f"001.{version:02d}")


def _read_head(path: Path, size: int = 4096) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(size)
    except OSError as exc:
        raise BankFileError(path, "file", f"cannot be read: {exc.strerror}") from exc


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()[:24]

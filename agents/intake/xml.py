"""Safe, streaming XML reading for bank files: lxml iterparse without entities or network, matched by local name."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timezone
from pathlib import Path
from typing import IO

from lxml import etree

from agents.intake.errors import BankFileError


def open_iterparse(source: Path | IO[bytes], tags: Iterable[str], events: tuple[str, ...] = ("start", "end")):
    """Return an lxml iterparse over the elements whose local name is in `tags`, in any namespace.

    Entities stay unresolved, no DTD is loaded, nothing is fetched from the network and huge_tree stays off,
    so an entity declaration can neither read a local file nor blow up memory.
    """
    return etree.iterparse(
        str(source) if isinstance(source, Path) else source,
        events=events,
        tag=[f"{{*}}{name}" for name in tags],
        resolve_entities=False,
        load_dtd=False,
        dtd_validation=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        recover=False,
    )


def local_name(element: etree._Element) -> str:
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def namespace(element: etree._Element) -> str | None:
    tag = element.tag
    if isinstance(tag, str) and tag.startswith("{"):
        return tag[1:].partition("}")[0]
    return None


def reject_doctype(element: etree._Element, file: str, path: str) -> None:
    """Raise BankFileError when the document declares a DOCTYPE; ISO 20022 files never do."""
    docinfo = element.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.doctype:
        raise BankFileError(
            file, path, "the file declares a DOCTYPE; bank files never do, and its entities are not read. "
            "Ask the bank for the file without it"
        )


def find(element: etree._Element | None, *names: str) -> etree._Element | None:
    """Return the first descendant along the chain of local `names`, or None when a step is missing."""
    current = element
    for name in names:
        if current is None:
            return None
        current = next((child for child in current if local_name(child) == name), None)
    return current


def find_all(element: etree._Element | None, name: str) -> list[etree._Element]:
    if element is None:
        return []
    return [child for child in element if local_name(child) == name]


def text(element: etree._Element | None, *names: str) -> str | None:
    """Return the stripped text at the chain of `names` below `element`; "" when present but empty, None when absent."""
    found = find(element, *names)
    if found is None:
        return None
    return (found.text or "").strip()


def first_text(element: etree._Element | None, *chains: tuple[str, ...]) -> str | None:
    """Return the first non-empty text among several chains of local names."""
    for chain in chains:
        value = text(element, *chain)
        if value:
            return value
    return None


def relative_path(element: etree._Element, ancestor: etree._Element) -> str:
    """Return the path from `ancestor` down to `element`, with [n] where a name repeats among siblings."""
    steps: list[str] = []
    current = element
    while current is not None and current is not ancestor:
        parent = current.getparent()
        name = local_name(current)
        if parent is not None:
            same = [child for child in parent if local_name(child) == name]
            if len(same) > 1:
                name = f"{name}[{same.index(current) + 1}]"
        steps.append(name)
        current = parent
    return "/".join(reversed(steps))


def release(element: etree._Element) -> None:
    """Free a processed element and the processed siblings before it, so memory stays flat on large files."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is None:
        return
    while element.getprevious() is not None:
        del parent[0]


def parse_date(value: str | None) -> date | None:
    """Return an ISO date, or the date part of an ISO date-time; raise ValueError when invalid."""
    if value is None or value == "":
        return None
    if "T" in value:
        return parse_datetime(value).date()
    return date.fromisoformat(value)


def parse_datetime(value: str) -> datetime:
    """Return an ISO 8601 date-time in UTC; a value without an offset is read as UTC."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def date_or_datetime(element: etree._Element | None) -> date | None:
    """Return the date of an ISO 20022 DateAndDateTimeChoice element (Dt or DtTm)."""
    value = first_text(element, ("Dt",), ("DtTm",))
    return parse_date(value)


def syntax_error(file: str, where: str, exc: etree.XMLSyntaxError) -> BankFileError:
    line = getattr(exc, "lineno", None) or (exc.position[0] if getattr(exc, "position", None) else "?")
    message = str(exc.msg if getattr(exc, "msg", None) else exc).strip()
    return BankFileError(file, where, f"not well-formed XML at line {line}: {message}")

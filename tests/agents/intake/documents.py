"""Build small pain.002 and camt.054 documents from item models, in any namespace style, for tests."""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape


@dataclass(frozen=True)
class Item:
    end_to_end_id: str | None
    mandate_id: str | None
    amount: str
    currency: str
    code: str | None
    code_element: str = "Cd"
    additional_info: str | None = None
    iban: str | None = None
    debtor_name: str | None = None
    status: str = "RJCT"


@dataclass(frozen=True)
class Style:
    """How the namespace is written: a default namespace, a prefix, and optionally a redeclaration inside."""

    prefix: str | None = None
    redeclare: bool = False


def _tag(style: Style, name: str) -> str:
    return f"{style.prefix}:{name}" if style.prefix else name


def _element(style: Style, name: str, content: str, attributes: str = "") -> str:
    tag = _tag(style, name)
    return f"<{tag}{attributes}>{content}</{tag}>"


def _document(style: Style, namespace: str, body: str) -> str:
    declaration = f'xmlns:{style.prefix}="{namespace}"' if style.prefix else f'xmlns="{namespace}"'
    root = _tag(style, "Document")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} {declaration}>{body}</{root}>'


def _item_style(style: Style, namespace: str) -> tuple[Style, str]:
    """Return the style of an item's elements and the attribute that declares it on the item element."""
    if not style.redeclare:
        return style, ""
    return Style(prefix="r"), f' xmlns:r="{namespace}"'


def pain002(items: list[Item], *, version: int = 3, style: Style = Style(), message_id: str = "MSG-1") -> str:
    namespace = f"urn:iso:std:iso:20022:tech:xsd:pain.002.001.{version:02d}"
    e = lambda name, content, attributes="": _element(style, name, content, attributes)  # noqa: E731
    transactions = []
    item_style, declaration = _item_style(style, namespace)
    t = lambda name, content, attributes="": _element(item_style, name, content, attributes)  # noqa: E731
    for item in items:
        reason = ""
        if item.code is not None or item.additional_info is not None:
            code = t("Rsn", t(item.code_element, escape(item.code))) if item.code is not None else ""
            info = t("AddtlInf", escape(item.additional_info)) if item.additional_info is not None else ""
            reason = t("StsRsnInf", code + info)
        reference = t("Amt", t("InstdAmt", item.amount, f' Ccy="{item.currency}"')) + t("ReqdColltnDt", "2024-05-03")
        if item.mandate_id is not None:
            reference += t("MndtRltdInf", t("MndtId", escape(item.mandate_id)))
        if item.debtor_name is not None:
            name = t("Nm", escape(item.debtor_name))
            reference += t("Dbtr", t("Pty", name) if version >= 10 else name)
        if item.iban is not None:
            reference += t("DbtrAcct", t("Id", t("IBAN", item.iban)))
        end_to_end = t("OrgnlEndToEndId", escape(item.end_to_end_id)) if item.end_to_end_id is not None else ""
        body = end_to_end + t("TxSts", item.status) + reason + t("OrgnlTxRef", reference)
        transactions.append(t("TxInfAndSts", body, declaration))
    body = e(
        "CstmrPmtStsRpt",
        e("GrpHdr", e("MsgId", message_id) + e("CreDtTm", "2024-05-22T09:30:47Z"))
        + e("OrgnlGrpInfAndSts", e("OrgnlMsgId", "ORIG-1") + e("OrgnlMsgNmId", "pain.008.001.02"))
        + e("OrgnlPmtInfAndSts", e("OrgnlPmtInfId", "BATCH-1") + "".join(transactions)),
    )
    return _document(style, namespace, body)


def camt054(items: list[Item], *, version: int = 2, style: Style = Style(), message_id: str = "MSG-1") -> str:
    namespace = f"urn:iso:std:iso:20022:tech:xsd:camt.054.001.{version:02d}"
    e = lambda name, content, attributes="": _element(style, name, content, attributes)  # noqa: E731
    entries = []
    item_style, declaration = _item_style(style, namespace)
    t = lambda name, content, attributes="": _element(item_style, name, content, attributes)  # noqa: E731
    for item in items:
        code = e("Domn", e("Cd", "PMNT") + e("Fmly", e("Cd", "IDDT") + e("SubFmlyCd", "UPDD")))
        refs = ""
        if item.end_to_end_id is not None:
            refs += t("EndToEndId", escape(item.end_to_end_id))
        if item.mandate_id is not None:
            refs += t("MndtId", escape(item.mandate_id))
        parties = ""
        if item.debtor_name is not None:
            name = t("Nm", escape(item.debtor_name))
            parties += t("Dbtr", t("Pty", name) if version >= 8 else name)
        if item.iban is not None:
            parties += t("DbtrAcct", t("Id", t("IBAN", item.iban)))
        reason = ""
        if item.code is not None:
            reason += t("Rsn", t(item.code_element, escape(item.code)))
        if item.additional_info is not None:
            reason += t("AddtlInf", escape(item.additional_info))
        amount = f' Ccy="{item.currency}"'
        transaction = (
            (t("Refs", refs) if refs else "")
            + t("AmtDtls", t("InstdAmt", t("Amt", item.amount, amount)))
            + (t("RltdPties", parties) if parties else "")
            + t("RtrInf", reason)
        )
        entry = (
            e("Amt", item.amount, amount) + e("CdtDbtInd", "DBIT") + e("RvslInd", "true")
            + e("Sts", "BOOK") + e("BookgDt", e("Dt", "2024-05-10")) + e("BkTxCd", code)
            + e("NtryDtls", t("TxDtls", transaction, declaration))
        )
        entries.append(e("Ntry", entry))
    account = e("Acct", e("Id", e("IBAN", "FR7630006000011234567890189")))
    body = e(
        "BkToCstmrDbtCdtNtfctn",
        e("GrpHdr", e("MsgId", message_id) + e("CreDtTm", "2024-05-10T08:00:00"))
        + e("Ntfctn", e("Id", "N-1") + e("CreDtTm", "2024-05-10T08:00:00") + account + "".join(entries)),
    )
    return _document(style, namespace, body)

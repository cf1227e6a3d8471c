"""Errors of the bank-file intake, each naming the file, the element path and what is wrong."""

from __future__ import annotations

from pathlib import Path

from streams.errors import RelanceError


class BankFileError(RelanceError):
    """A bank file, or one item in it, cannot be read.

    `element_path` is an XML element path such as /Document/CstmrPmtStsRpt/GrpHdr/MsgId, or a line
    reference such as "line 12" for a CFONB 120 file.
    """

    def __init__(self, file: str | Path, element_path: str, reason: str) -> None:
        self.file = str(file)
        self.element_path = element_path
        self.reason = reason
        super().__init__(f"{self.file}: {element_path}: {reason}")


class DebtorNotFound(RelanceError):
    """No debtor id could be found for a rejection event."""

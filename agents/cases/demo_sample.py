"""A sample pain.002 status report with four rejected direct debits, written for `relance demo`."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

from schwifty import IBAN

# Mandate, reason code, debtor name, amount in euros.
SAMPLE_ITEMS = (
    ("RUM-DEMO-0001", "AM04", "Camille Martin", "49.90"),
    ("RUM-DEMO-0002", "AM04", "Louis Bernard", "120.00"),
    ("RUM-DEMO-0003", "MS02", "Chloé Dubois", "75.50"),
    ("RUM-DEMO-0004", "AC01", "Hugo Petit", "32.00"),
)
_NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"


def write_sample_pain002(folder: Path, collection_date: date) -> Path:
    """Write the sample file into `folder` and return its path."""
    transactions = []
    for number, (mandate_id, code, name, amount) in enumerate(SAMPLE_ITEMS, start=1):
        iban = IBAN.generate("FR", bank_code="30006", branch_code="00001", account_code=f"{number:011d}")
        transactions.append(f"""
      <TxInfAndSts>
        <StsId>DEMO-REJ-{number}</StsId>
        <OrgnlEndToEndId>E2E-DEMO-{number:04d}</OrgnlEndToEndId>
        <TxSts>RJCT</TxSts>
        <StsRsnInf><Rsn><Cd>{code}</Cd></Rsn></StsRsnInf>
        <OrgnlTxRef>
          <Amt><InstdAmt Ccy="EUR">{amount}</InstdAmt></Amt>
          <ReqdColltnDt>{collection_date.isoformat()}</ReqdColltnDt>
          <MndtRltdInf><MndtId>{mandate_id}</MndtId></MndtRltdInf>
          <Dbtr><Nm>{escape(name)}</Nm></Dbtr>
          <DbtrAcct><Id><IBAN>{iban.compact}</IBAN></Id></DbtrAcct>
          <DbtrAgt><FinInstnId><BIC>AGRIFRPPXXX</BIC></FinInstnId></DbtrAgt>
        </OrgnlTxRef>
      </TxInfAndSts>""")
    total = sum(float(item[3]) for item in SAMPLE_ITEMS)
    text = f"""<?xml version="1.0" encoding="utf-8"?>
<Document xmlns="{_NAMESPACE}">
  <CstmrPmtStsRpt>
    <GrpHdr>
      <MsgId>RELANCE-DEMO-{collection_date:%Y%m%d}</MsgId>
      <CreDtTm>{collection_date.isoformat()}T18:00:00</CreDtTm>
    </GrpHdr>
    <OrgnlGrpInfAndSts>
      <OrgnlMsgId>RELANCE-DEMO-COLLECTION</OrgnlMsgId>
      <OrgnlMsgNmId>pain.008.001.02</OrgnlMsgNmId>
      <OrgnlNbOfTxs>{len(SAMPLE_ITEMS)}</OrgnlNbOfTxs>
      <OrgnlCtrlSum>{total:.2f}</OrgnlCtrlSum>
    </OrgnlGrpInfAndSts>
    <OrgnlPmtInfAndSts>
      <OrgnlPmtInfId>DEMO-BATCH-1</OrgnlPmtInfId>{"".join(transactions)}
    </OrgnlPmtInfAndSts>
  </CstmrPmtStsRpt>
</Document>
"""
    path = folder / "relance-demo-pain002.xml"
    path.write_text(text, encoding="utf-8")
    return path

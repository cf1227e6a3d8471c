"""Bank-file intake: parse camt.05x, pain.002 and CFONB 120 files into debit_rejected events and publish them."""

"""Thematic audits: terms of reference signed off by the QA Board, findings, the forward plan."""

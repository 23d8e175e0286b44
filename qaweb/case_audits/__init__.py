"""Case-file audits: the monthly reflective-practice audit programme."""

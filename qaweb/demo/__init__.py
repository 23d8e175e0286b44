"""The demo council: deterministic, realistic data for trying qaweb and for load work."""

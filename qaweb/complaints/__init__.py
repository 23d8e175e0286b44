"""Complaints through the statutory stages on working-day clocks, and compliments."""

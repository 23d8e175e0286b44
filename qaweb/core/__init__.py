"""Shared building blocks: used by every feature package, and the only place they live."""

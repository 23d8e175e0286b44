"""The home page: My work."""

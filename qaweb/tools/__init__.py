"""QA tools as versioned data: definitions, starter tools, rendered forms, stored answers."""

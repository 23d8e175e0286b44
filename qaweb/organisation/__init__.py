"""Service areas, teams and staff, and the admin pages that keep them."""

"""Service areas, teams and staff, and the admin pages that keep them."""


def init_app(app) -> None:
    from qaweb.core.features import NavItem, add_feature
    from qaweb.core.permissions import ADMIN
    from qaweb.organisation.views import bp

    nav = NavItem("Admin", "organisation.index", (ADMIN,), prefix="/admin")
    add_feature(app, bp, navigation=[nav])

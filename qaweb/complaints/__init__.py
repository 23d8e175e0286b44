"""Complaints through the statutory stages on working-day clocks, and compliments."""


def init_app(app) -> None:
    from qaweb.complaints import hooks, import_views, record_views, views  # noqa: F401
    from qaweb.complaints.blueprint import bp
    from qaweb.core.features import NavItem, add_feature
    from qaweb.core.permissions import ADMIN, COMPLAINTS_OFFICER, QA_OFFICER, SERVICE_MANAGER

    handlers = (COMPLAINTS_OFFICER, ADMIN, SERVICE_MANAGER)
    navigation = [
        NavItem("Complaints", "complaints.index", handlers, prefix="/complaints"),
        # The QA team reads the report (counts only), not the complaints themselves.
        NavItem(
            "Complaints report",
            "complaints.report",
            (QA_OFFICER,),
            prefix="/complaints/report",
            hidden_for=handlers,
        ),
    ]
    add_feature(app, bp, hooks=hooks.register, navigation=navigation)

"""Thematic audits: terms of reference signed off by the QA Board, findings, the forward plan."""


def init_app(app) -> None:
    from qaweb.core.features import NavItem, add_feature
    from qaweb.core.permissions import QA_BOARD, QA_OFFICER, SERVICE_MANAGER
    from qaweb.thematic import hooks
    from qaweb.thematic.views import bp

    roles = (QA_OFFICER, QA_BOARD, SERVICE_MANAGER)
    nav = NavItem("Thematic", "thematic.index", roles, prefix="/thematic")
    add_feature(app, bp, hooks=hooks.register, navigation=[nav])

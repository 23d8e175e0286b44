"""Annual peer supervision audits: the plan, the audit, supervisee feedback, reflective sessions."""


def init_app(app) -> None:
    from qaweb.core.features import NavItem, add_feature
    from qaweb.core.permissions import QA_OFFICER, SERVICE_MANAGER, TEAM_MANAGER
    from qaweb.supervision import hooks
    from qaweb.supervision.views import bp

    roles = (TEAM_MANAGER, SERVICE_MANAGER, QA_OFFICER)
    nav = NavItem("Supervision", "supervision.index", roles, prefix="/supervision")
    add_feature(app, bp, hooks=hooks.register, navigation=[nav])

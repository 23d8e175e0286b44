"""Case-file audits: the monthly reflective-practice audit programme."""


def init_app(app) -> None:
    from qaweb.case_audits import hooks
    from qaweb.case_audits.views import bp
    from qaweb.core.features import NavItem, add_feature
    from qaweb.core.permissions import QA_OFFICER, SERVICE_MANAGER, TEAM_MANAGER

    roles = (TEAM_MANAGER, SERVICE_MANAGER, QA_OFFICER)
    nav = NavItem("Case-file audits", "case_audits.index", roles, prefix="/case-audits")
    add_feature(app, bp, hooks=hooks.register, navigation=[nav])

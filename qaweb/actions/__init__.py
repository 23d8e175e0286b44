"""One tracker for every action any module raises, until it is done."""


def init_app(app) -> None:
    from qaweb.actions.services import register_my_work
    from qaweb.actions.views import bp
    from qaweb.core.features import NavItem, add_feature

    mine = NavItem("Actions", "actions.listing", values=(("scope", "mine"),), prefix="/actions")
    add_feature(app, bp, hooks=register_my_work, navigation=[mine])

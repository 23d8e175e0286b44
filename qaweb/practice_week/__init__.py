"""Practice weeks: observations of practice, family feedback, learning sessions."""


def init_app(app) -> None:
    from qaweb.core.features import NavItem, add_feature
    from qaweb.practice_week import hooks, observation_views, session_views, views  # noqa: F401
    from qaweb.practice_week.blueprint import bp

    nav = NavItem("Practice weeks", "practice_week.index", prefix="/practice-weeks")
    add_feature(app, bp, hooks=hooks.register, navigation=[nav])

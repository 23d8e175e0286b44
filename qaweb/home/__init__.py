"""The home page: My work."""


def init_app(app) -> None:
    from qaweb.core.features import NavItem, add_feature
    from qaweb.home.views import bp

    add_feature(app, bp, navigation=[NavItem("My work", "home.index", prefix="/")])

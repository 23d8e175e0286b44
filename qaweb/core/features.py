"""How a feature package joins the app: its ``init_app(app)`` calls ``add_feature`` once."""

from qaweb.core.templating import NavItem, add_navigation

__all__ = ["NavItem", "add_feature"]


def add_feature(app, *blueprints, hooks=None, navigation=(), commands=()) -> None:
    """Register ``blueprints`` on ``app``; call ``hooks`` (no arguments: the feature's
    ``hooks.register``, which adds its My work items, action sources and form subjects to
    the core registries; it may be called again by a second app); add the ``navigation``
    entries (``NavItem``s, after those of the features before it in ``qaweb.FEATURES``);
    add the ``commands`` (click groups) to ``flask``."""
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    if hooks is not None:
        hooks()
    for item in navigation:
        add_navigation(app, item)
    for command in commands:
        app.cli.add_command(command)

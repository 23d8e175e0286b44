"""QA tools as versioned data: definitions, starter tools, rendered forms, stored answers."""


def init_app(app) -> None:
    from qaweb.core.features import add_feature
    from qaweb.tools.commands import tools_cli
    from qaweb.tools.response_views import bp as responses_bp
    from qaweb.tools.views import bp

    add_feature(app, bp, responses_bp, commands=[tools_cli])

"""Sign-in, sign-out and passwords."""


def init_app(app) -> None:
    from qaweb.auth.commands import users_cli
    from qaweb.auth.views import bp
    from qaweb.core.features import add_feature

    add_feature(app, bp, commands=[users_cli])

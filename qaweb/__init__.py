"""qaweb: the quality-assurance workbench of a council's Children's Services."""

from pathlib import Path

from flask import Flask

from qaweb.config import load_config

ROOT = Path(__file__).resolve().parent.parent


def create_app(config_overrides: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
        instance_relative_config=True,
    )
    app.config.update(load_config(app.instance_path))
    if config_overrides:
        app.config.update(config_overrides)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    register_middleware(app)
    register_converters(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_security_headers(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def register_middleware(app: Flask) -> None:
    """Behind QAWEB_PROXY_COUNT proxies, take the client's address, scheme and host from
    their X-Forwarded-* headers (sign-in throttling counts by client address). Without a
    proxy nothing is trusted: anyone can send those headers."""
    count = app.config.get("PROXY_COUNT", 0)
    if count:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def register_converters(app: Flask) -> None:
    """Ids in URLs are database integers: anything larger is simply not found (404)."""
    from werkzeug.routing import IntegerConverter

    from qaweb.core.lists import MAX_ID

    class IdConverter(IntegerConverter):
        def __init__(self, map, *args, **kwargs):
            kwargs.setdefault("max", MAX_ID)
            super().__init__(map, *args, **kwargs)

    app.url_map.converters["int"] = IdConverter


def register_extensions(app: Flask) -> None:
    from govuk_frontend_wtf.main import WTFormsHelpers
    from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader

    from qaweb.extensions import csrf, db, htmx, login_manager, migrate

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(ROOT / "migrations"),
        render_as_batch=app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"),
        compare_type=True,
    )
    csrf.init_app(app)
    htmx.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to see this page."
    login_manager.login_message_category = "info"
    WTFormsHelpers(app)

    app.jinja_loader = ChoiceLoader(
        [
            app.jinja_loader,
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )

    @login_manager.user_loader
    def load_user(user_id):
        from qaweb.auth.sessions import load_user

        return load_user(user_id)


def register_blueprints(app: Flask) -> None:
    import qaweb.models  # noqa: F401  (every model, for the metadata)
    from qaweb.actions.services import register_my_work
    from qaweb.actions.views import bp as actions_bp
    from qaweb.auth.views import bp as auth_bp
    from qaweb.case_audits import hooks as case_audits_hooks
    from qaweb.case_audits.views import bp as case_audits_bp
    from qaweb.complaints import hooks as complaints_hooks
    from qaweb.complaints.views import bp as complaints_bp
    from qaweb.home.views import bp as home_bp
    from qaweb.notifications.views import bp as notifications_bp
    from qaweb.organisation.views import bp as organisation_bp
    from qaweb.practice_week import hooks as practice_week_hooks
    from qaweb.practice_week.views import bp as practice_week_bp
    from qaweb.qa_report.views import bp as qa_report_bp
    from qaweb.supervision import hooks as supervision_hooks
    from qaweb.supervision.views import bp as supervision_bp
    from qaweb.thematic import hooks as thematic_hooks
    from qaweb.thematic.views import bp as thematic_bp
    from qaweb.tools.response_views import bp as responses_bp
    from qaweb.tools.views import bp as tools_bp

    for bp in (
        home_bp,
        auth_bp,
        actions_bp,
        supervision_bp,
        practice_week_bp,
        thematic_bp,
        complaints_bp,
        case_audits_bp,
        qa_report_bp,
        organisation_bp,
        tools_bp,
        responses_bp,
        notifications_bp,
    ):
        app.register_blueprint(bp)
    register_my_work()
    supervision_hooks.register()
    practice_week_hooks.register()
    thematic_hooks.register()
    complaints_hooks.register()
    case_audits_hooks.register()


def register_errorhandlers(app: Flask) -> None:
    from qaweb.core.errors import register

    register(app)


def register_security_headers(app: Flask) -> None:
    from qaweb.core.security import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from qaweb.core.templating import register

    register(app)


def register_commands(app: Flask) -> None:
    from qaweb.auth.commands import users_cli
    from qaweb.core.backup import register as register_backup_commands
    from qaweb.demo.commands import seed
    from qaweb.notifications.commands import notify_cli
    from qaweb.tools.commands import tools_cli

    app.cli.add_command(seed)
    app.cli.add_command(tools_cli)
    register_backup_commands(app)
    app.cli.add_command(users_cli)
    app.cli.add_command(notify_cli)

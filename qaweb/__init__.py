"""qaweb: the quality-assurance workbench of a council's Children's Services."""

from pathlib import Path

from flask import Flask

from qaweb.config import load_config

ROOT = Path(__file__).resolve().parent.parent

#: The feature packages, in the order of the service navigation: each has ``init_app(app)``.
FEATURES = (
    "home",
    "auth",
    "actions",
    "supervision",
    "case_audits",
    "moderation",
    "practice_week",
    "thematic",
    "complaints",
    "qa_report",
    "organisation",
    "tools",
    "notifications",
    "dip_samples",
)


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
    """Each feature in FEATURES registers itself: ``qaweb.<feature>.init_app(app)`` adds its
    blueprint(s), My work items, action sources, form subjects, navigation entries and
    commands (see README, "Adding a feature")."""
    import importlib

    import qaweb.models  # noqa: F401  (every model, for the metadata)

    for name in FEATURES:
        importlib.import_module(f"qaweb.{name}").init_app(app)


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
    """Commands that belong to no one feature (features add theirs in ``init_app``)."""
    from qaweb.core.backup import register as register_backup_commands
    from qaweb.core.jobs import register_commands as register_job_commands
    from qaweb.demo.commands import seed

    app.cli.add_command(seed)
    register_backup_commands(app)
    register_job_commands(app)

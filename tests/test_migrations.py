"""Migrations build the schema from empty, on both engines, and agree with the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from qaweb.extensions import db


def _diff(connection):
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, db.metadata)


def test_upgrade_from_empty_and_models_agree(_app, scratch_database, tmp_path_factory, request):
    from support import make_app

    engine_name = db_engine_name(_app)
    url = scratch_database(engine_name, tmp_path_factory.mktemp("mig"))
    app = make_app(url)
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"user", "team", "service_area", "action", "change_log"} <= tables
        with db.engine.connect() as conn:
            assert _diff(conn) == []
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        with db.engine.connect() as conn:
            assert _diff(conn) == []
        db.engine.dispose()


def db_engine_name(app):
    with app.app_context():
        return "postgresql" if db.engine.dialect.name == "postgresql" else "sqlite"

"""No query per row: a page issues the same number of SQL statements for 3 rows or 60."""

from contextlib import contextmanager

import pytest
from sqlalchemy import event
from support import sign_in

from qaweb.extensions import db


@contextmanager
def counted():
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def statements_for(client, url):
    with counted() as statements:
        response = client.get(url)
        assert response.status_code == 200
        response.close()
    return len(statements)


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/actions/mine",
        "/actions/all",
        "/actions/all?status=all&overdue=y",
        "/actions/team",
        "/admin/users",
        "/admin/teams",
        "/supervision/",
        "/supervision/coverage",
        "/thematic/",
        "/actions/all/export.xlsx",
    ],
)
def test_statement_count_does_not_grow_with_rows(client, make_user, make_team, make_action, url):
    team = make_team()
    me = make_user("qa_officer", "team_manager", "admin", team=team)
    sign_in(client, me)
    for i in range(3):
        make_action(make_user(team=team), due_in_days=i - 1)
        make_action(me, due_in_days=i)
    few = statements_for(client, url)
    for i in range(30):
        make_action(make_user(team=make_team()), due_in_days=i - 10)
        make_action(me, due_in_days=i)
    many = statements_for(client, url)
    assert many == few, f"{url}: {few} statements with few rows, {many} with many"
    # My work asks every module (two statements each), reports add grouped counts; other
    # pages have a dozen at most.
    budget = {"/": 18, "/supervision/coverage": 20}.get(url, 12)
    assert many <= budget, f"{url}: {many} statements"

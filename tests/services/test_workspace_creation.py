"""Create workspace names the accounts where the person may not create, and who can grant
administer there; other tenants' accounts and their administrators never appear."""

from __future__ import annotations

from sqlalchemy import event

from portal.services import accounts
from tests.factories import account_of, actor_for, grant, make_user


def test_read_only_accounts_name_their_administrators(db) -> None:
    ana = make_user(db, email="ana@example.com", account_name="Acme Inc.")
    acme = account_of(db, ana.id)
    second_admin = make_user(db, email="zed@example.com")
    grant(db, second_admin.id, account_id=acme, permission="administer")
    rita = make_user(db, email="rita@example.com", account_name="Rita's")
    grant(db, rita.id, account_id=acme, permission="read")
    other = make_user(db, email="other@example.com", account_name="Elsewhere")
    db.flush()

    statements: list[str] = []
    engine = db.get_bind()

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    actor = actor_for(db, rita)
    event.listen(engine, "before_cursor_execute", count)
    try:
        options = accounts.workspace_creation(session=db, actor=actor)
    finally:
        event.remove(engine, "before_cursor_execute", count)

    assert [a.name for a in options.accounts] == ["Rita's"]
    [acme_row] = options.without_create
    assert acme_row.name == "Acme Inc."
    assert acme_row.administrators == ["ana@example.com", "zed@example.com"]
    assert "Elsewhere" not in {a.name for a in options.without_create}
    assert other.email not in acme_row.administrators
    assert len(statements) <= 2, statements

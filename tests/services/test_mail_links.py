"""Every link Portal mails is a whole line and opens a real page: no "/sign-in." that mail
clients turn into a link to a page that does not exist."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from portal import routes
from portal.config import get_settings
from portal.models import SentEmail
from portal.services import accounts, auth
from tests.factories import CLIENT, PASSWORD, account_of, actor_for, make_user

_URL = re.compile(r"https?://\S+")


def _route_pattern(route: str) -> re.Pattern:
    parts = [
        "[^/]+" if part.startswith("[") and part.endswith("]") else re.escape(part)
        for part in route.strip("/").split("/")
    ]
    return re.compile("^/" + "/".join(parts) + "$")


_PAGES = [_route_pattern(route) for route in routes.PAGES if route != routes.NOT_FOUND]


def _links(body: str) -> list[str]:
    links = _URL.findall(body)
    assert links, body
    lines = [line.strip() for line in body.splitlines()]
    for link in links:
        assert link in lines, f"{link!r} is not on a line of its own in:\n{body}"
    return links


def _check(link: str) -> None:
    base = get_settings().public_url
    assert link.startswith(base + "/"), link
    path = link.removeprefix(base).split("?")[0]
    assert any(p.match(path) for p in _PAGES), f"{link} opens no page"


def _mails(db) -> list[SentEmail]:
    return list(db.exec(select(SentEmail)).all())


@pytest.mark.parametrize("case", ["welcome", "existing", "reset", "invitation"])
def test_every_mailed_link_is_its_own_line_and_opens_a_page(db, case):
    if case == "welcome":
        request_id = auth.sign_up(
            session=db, email="new@example.com", name="New", password=PASSWORD
        )
        code = re.search(r"^(\d{6})$", _mails(db)[0].body, re.MULTILINE).group(1)
        auth.confirm_sign_up(session=db, request_id=request_id, code=code, client=CLIENT)
    elif case == "existing":
        make_user(db, email="ada@example.com")
        auth.sign_up(session=db, email="ada@example.com", name="Eve", password=PASSWORD)
    elif case == "reset":
        make_user(db, email="ada@example.com")
        auth.request_password_reset(session=db, email="ada@example.com")
    else:
        owner = make_user(db, email="owner@example.com")
        accounts.invite(
            session=db,
            actor=actor_for(db, owner),
            account_id=account_of(db, owner.id),
            email="ivan@example.com",
            permission="read",
        )
    mails = [mail for mail in _mails(db) if "sign-up code" not in mail.subject]
    assert len(mails) == 1
    for link in _links(mails[0].body):
        _check(link)


def test_the_check_catches_a_link_ending_in_a_period():
    with pytest.raises(AssertionError):
        _links("Sign in at http://localhost:3000/sign-in.")
    with pytest.raises(AssertionError):
        _check(get_settings().public_url + "/sign-in.")

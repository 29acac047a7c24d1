"""Fixtures for state tests: a fresh database (from tests/conftest.py) and in-process browsers."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import Session

from tests.factories import make_user, sign_in
from tests.state.support import Browser


@pytest.fixture
def browse(database: str) -> Callable[..., Browser]:
    """browse(path, query=..., token=...): a new client on the test's database.

    (Not named `browser`: pytest-playwright owns that fixture.)"""
    return Browser


@pytest.fixture
def person(db: Session):
    """person(**make_user kwargs) -> (user, token, actor): a signed-in user, committed."""

    def make(**kwargs):
        user = make_user(db, **kwargs)
        token, actor = sign_in(db, user)
        db.commit()
        return user, token, actor

    return make

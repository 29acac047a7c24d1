"""The signed-in person, resolved on the server from a session token kept in a cookie.

Every event handler that touches data gets its Actor from `_actor()`: the only thing the
browser supplies is the token, and the server decides what it is worth on every call.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import reflex as rx
from sqlmodel import Session

from portal import routes
from portal.config import get_settings
from portal.db import transaction
from portal.domain.access import Actor, ClientInfo, Requirement
from portal.domain.errors import Unauthenticated
from portal.services import auth, permissions, sessions

# Each page's own load events, run by the guard only after the page's requirement passed.
PAGE_LOADERS: dict[str, list] = {}


def register_page_loaders(route: str, loaders: list) -> None:
    PAGE_LOADERS[route] = list(loaders)


class SessionState(rx.State):
    """Base of every page state: page states subclass it to reach `_actor()`."""

    session_token: str = rx.Cookie(
        "",
        name="portal_session",
        same_site="strict",
        secure=get_settings().public_url.startswith("https://"),
        max_age=get_settings().session_absolute_hours * 3600,
    )
    # Who is signed in and what they may open, as last checked by the server.
    signed_in: bool = False
    terms_accepted: bool = False
    platform_admin: bool = False
    user_name: str = ""
    user_email: str = ""

    def _client(self) -> ClientInfo:
        return ClientInfo(
            ip_address=self.router.session.client_ip or "",
            user_agent=self.router.headers.user_agent or "",
        )

    def _actor(self, session: Session) -> Actor:
        """The Actor for this browser, or Unauthenticated (the app turns it into sign-in)."""
        return sessions.resolve_actor(
            session=session, token=self.session_token, client=self._client()
        )

    @contextmanager
    def _acting(self) -> Iterator[tuple[Session, Actor]]:
        """One transaction with the server-resolved Actor: `with self._acting() as (db, actor)`."""
        with transaction() as session:
            yield session, self._actor(session)

    def _require_session(self) -> None:
        """Refuse (Unauthenticated) before a handler touches even its own state."""
        with transaction() as session:
            self._actor(session)

    def _forget_identity(self) -> None:
        self.signed_in = False
        self.terms_accepted = False
        self.platform_admin = False
        self.user_name = ""
        self.user_email = ""

    def _current_path(self) -> str:
        url = self.router.url
        # The prod server adds a trailing slash (/settings -> /settings/); links use none.
        path = url.path.rstrip("/") or "/"
        return path + (f"?{url.query}" if url.query else "")

    @rx.event
    def guard(self):
        """on_load of every page: check the page's requirement (from routes.PAGES) and redirect."""
        route = routes.page_key(self.router.route_id)
        requirement = routes.requirement_for(route)
        try:
            with transaction() as session:
                actor = self._actor(session)
                self.terms_accepted = permissions.meets(session, actor, Requirement.DEVELOPER_TERMS)
        except Unauthenticated as exc:
            self._forget_identity()
            if self.session_token:
                self.session_token = ""
            if requirement is Requirement.PUBLIC:
                return PAGE_LOADERS.get(route, [])
            return rx.redirect(
                routes.sign_in_url(
                    next_path=self._current_path(), reason="expired" if exc.expired else None
                ),
                replace=True,
            )
        self.signed_in = True
        self.platform_admin = actor.is_platform_admin
        self.user_name = actor.name
        self.user_email = actor.email
        if route in routes.SIGNED_OUT_ONLY:
            return rx.redirect(routes.DASHBOARD, replace=True)
        if requirement is Requirement.DEVELOPER_TERMS and not self.terms_accepted:
            return rx.redirect(
                routes.developer_terms_url(next_path=self._current_path()), replace=True
            )
        if requirement is Requirement.PLATFORM_ADMIN and not actor.is_platform_admin:
            return rx.redirect(routes.DASHBOARD, replace=True)
        return PAGE_LOADERS.get(route, [])

    @rx.event
    def sign_out(self):
        with transaction() as session:
            auth.sign_out(session=session, token=self.session_token)
        self.session_token = ""
        self._forget_identity()
        return rx.redirect(routes.SIGN_IN, replace=True)

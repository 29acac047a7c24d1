"""Platform staff: requests for broader distribution (platform admins only).

Pending requests first, oldest first, each with the app, who asked and why, and what the
newest published version asks for (its scopes); a filter shows decided and withdrawn ones.
Approve lists the app in the app directory; Reject keeps its visibility and sends the team a
note (required); Unlist withdraws an approved app's listing (it becomes unlisted) with a note.
services/distribution.py refuses anyone not on the platform staff (NotFound)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import reflex as rx

from portal import routes
from portal.components.badges import distribution_badge, visibility_badge
from portal.components.data_table import Column, data_table, pager
from portal.components.dates import iso_utc, local_time
from portal.components.dialogs import form_dialog
from portal.components.empty_state import empty_state
from portal.components.forms import field_error, select
from portal.domain.developer import DistributionState, Visibility
from portal.domain.errors import PortalError
from portal.layout import page
from portal.services import distribution
from portal.services.distribution import DistributionReviewRow
from portal.state.pager import Pager
from portal.state.session import SessionState

REVIEWS = "reviews"
PAGE_SIZE = 20
VIEWS = (
    (distribution.PENDING, "Pending"),
    (distribution.DECIDED, "Decided"),
    (distribution.WITHDRAWN, "Withdrawn by developers"),
)


@dataclass(frozen=True)
class ReviewView:
    id: int
    app_id: int
    app_name: str
    app_slug: str
    app_description: str
    visibility: str
    state: str
    reason: str
    note: str
    requested_at: str  # ISO 8601 UTC
    requested_by: str
    requested_by_email: str
    decided_at: str
    decided_by: str
    version: str  # "v2", or "" with none published
    scopes: str  # "workspace:read, audit:read", or "" for none
    pending: bool
    can_unlist: bool  # approved and still public

    @classmethod
    def of(cls, row: DistributionReviewRow) -> ReviewView:
        return cls(
            id=row.id,
            app_id=row.app_id,
            app_name=row.app_name,
            app_slug=row.app_slug,
            app_description=row.app_description,
            visibility=row.visibility.value,
            state=row.state.value,
            reason=row.reason,
            note=row.note,
            requested_at=iso_utc(row.requested_at),
            requested_by=row.requested_by,
            requested_by_email=row.requested_by_email,
            decided_at=iso_utc(row.decided_at),
            decided_by=row.decided_by,
            version=f"v{row.version}" if row.version else "",
            scopes=", ".join(row.scopes),
            pending=row.state is DistributionState.PENDING,
            can_unlist=row.state is DistributionState.APPROVED
            and row.visibility is Visibility.PUBLIC,
        )


class PlatformReviewsState(Pager, SessionState):
    PAGED: ClassVar[tuple[str, ...]] = (REVIEWS,)

    view: str = distribution.PENDING
    reviews: list[ReviewView] = []
    # The Approve / Reject dialog: which request (backend-only), what it will do.
    decision_open: bool = False
    decision_approve: bool = False
    decision_app: str = ""
    decision_errors: dict[str, str] = {}
    _decision_id: int = 0
    # The Unlist dialog.
    unlist_open: bool = False
    unlist_app: str = ""
    unlist_errors: dict[str, str] = {}
    _unlist_app_id: int = 0

    async def _load_page(self, name: str, cursor: str | None) -> str | None:
        listed = await self._call(
            distribution.list_requests, view=self.view, limit=PAGE_SIZE, cursor=cursor
        )
        self.reviews = [ReviewView.of(row) for row in listed.items]
        return listed.next_cursor

    @rx.event
    async def load(self):
        """Pending requests first, whatever the page showed last time."""
        await self._first_page(REVIEWS, view=distribution.PENDING)
        self.decision_open = self.unlist_open = False

    @rx.event
    async def filter_view(self, value: str):
        """Pending, decided or withdrawn requests (anything else: pending)."""
        view = value if isinstance(value, str) and value in distribution.VIEWS else None
        view = view or distribution.PENDING
        await self._first_page(REVIEWS, view=view)

    def _row(self, request_id) -> ReviewView | None:
        return next((row for row in self.reviews if row.id == request_id), None)

    @rx.event
    def open_decision(self, request_id: int, approve: bool):
        """Open Approve or Reject for a request this page shows (touches no data)."""
        row = self._row(request_id)
        if row is None or not row.pending:
            return
        self._decision_id = row.id
        self.decision_approve = approve is True
        self.decision_app = row.app_name
        self.decision_errors = {}
        self.decision_open = True

    @rx.event
    def set_decision_open(self, value: bool):
        self.decision_open = bool(value)
        self.decision_errors = {}

    @rx.event
    async def decide(self, form: dict):
        """Approve or reject the request the dialog was opened for (distribution.decide)."""
        approve = self.decision_approve
        try:
            decided = await self._call(
                distribution.decide,
                request_id=self._decision_id,
                approve=approve,
                note=str(form.get("note", ""))[: distribution.NOTE_MAX * 4],
            )
        except PortalError as exc:
            return self._show_error(exc, fields="decision_errors")
        self.decision_open = False
        self.decision_errors = {}
        self._decision_id = 0
        await self._after_change()
        if approve:
            said = f"Approved: {decided.app_name} is listed in the app directory now."
        else:
            said = f"Rejected: {decided.app_name}'s team sees your note."
        return rx.toast.success(said, position="top-center")

    @rx.event
    def open_unlist(self, request_id: int):
        """Open Unlist for an approved, public app this page shows (touches no data)."""
        row = self._row(request_id)
        if row is None or not row.can_unlist:
            return
        self._unlist_app_id = row.app_id
        self.unlist_app = row.app_name
        self.unlist_errors = {}
        self.unlist_open = True

    @rx.event
    def set_unlist_open(self, value: bool):
        self.unlist_open = bool(value)
        self.unlist_errors = {}

    @rx.event
    async def unlist(self, form: dict):
        """Withdraw the app's public listing (distribution.unlist): it becomes unlisted."""
        try:
            done = await self._call(
                distribution.unlist,
                app_id=self._unlist_app_id,
                note=str(form.get("note", ""))[: distribution.NOTE_MAX * 4],
            )
        except PortalError as exc:
            return self._show_error(exc, fields="unlist_errors")
        self.unlist_open = False
        self.unlist_errors = {}
        self._unlist_app_id = 0
        await self._after_change()
        return rx.toast.success(
            f"{done.app_name} is unlisted now: out of the app directory; install links still work.",
            position="top-center",
        )

    async def _after_change(self) -> None:
        await self._reload_page(REVIEWS)
        if not self.reviews and self.pager_page.get(REVIEWS, 1) > 1:
            await self._first_page(REVIEWS)


_S = PlatformReviewsState


def _app(row: ReviewView) -> rx.Component:
    return rx.el.div(
        rx.text(row.app_name, weight="medium", size="2"),
        rx.el.span(row.app_slug, class_name="pt-slug"),
        rx.text(
            rx.cond(row.version != "", row.version, "No published version"),
            rx.cond(row.scopes != "", rx.fragment(" · ", row.scopes), " · no scopes"),
            size="1",
            class_name="pt-slug",
        ),
        rx.cond(
            row.app_description != "",
            rx.text(row.app_description, size="1", color_scheme="gray"),
        ),
        class_name="pt-stack-tight",
        style={"min_width": "10rem", "max_width": "16rem"},
    )


def _request(row: ReviewView) -> rx.Component:
    return rx.el.div(
        rx.text(row.reason, size="2"),
        rx.text(
            "By ",
            row.requested_by,
            ", ",
            local_time(row.requested_at),
            size="1",
            color_scheme="gray",
        ),
        rx.text(row.requested_by_email, size="1", color_scheme="gray", class_name="pt-break"),
        class_name="pt-stack-tight",
        style={"min_width": "14rem", "max_width": "24rem"},
    )


def _status(row: ReviewView) -> rx.Component:
    return rx.el.div(
        rx.el.div(
            distribution_badge(row.state),
            visibility_badge(row.visibility),
            class_name="pt-inline pt-wrap-inline",
        ),
        rx.cond(
            row.decided_at != "",
            rx.text(
                row.decided_by, ", ", local_time(row.decided_at), size="1", color_scheme="gray"
            ),
        ),
        rx.cond(row.note != "", rx.text("Note: ", row.note, size="1")),
        class_name="pt-stack-tight",
        style={"min_width": "8rem", "max_width": "16rem"},
    )


def _actions(row: ReviewView) -> rx.Component:
    return rx.el.div(
        rx.cond(
            row.pending,
            rx.fragment(
                rx.button(
                    "Approve",
                    size="1",
                    color_scheme="green",
                    on_click=_S.open_decision(row.id, True),
                ),
                rx.button(
                    "Reject",
                    size="1",
                    variant="soft",
                    color_scheme="red",
                    on_click=_S.open_decision(row.id, False),
                ),
            ),
        ),
        rx.cond(
            row.can_unlist,
            rx.button(
                "Unlist",
                size="1",
                variant="soft",
                color_scheme="orange",
                on_click=_S.open_unlist(row.id),
            ),
        ),
        class_name="pt-stack-tight",
    )


COLUMNS = (
    Column("App and version", _app, row_header=True, nowrap=False),
    Column("Request", _request, nowrap=False),
    Column("Status", _status, nowrap=False),
    Column("", _actions),
)


def _note_field(errors, *, required: bool, placeholder: str, hint: str) -> rx.Component:
    return rx.vstack(
        rx.el.label(rx.text("Note to the developer", size="2", weight="medium"), html_for="note"),
        rx.text_area(
            id="note",
            name="note",
            placeholder=placeholder,
            rows="3",
            width="100%",
            required=required,
            max_length=distribution.NOTE_MAX,
            custom_attrs={
                "aria-invalid": rx.cond(errors.contains("note"), "true", "false"),
                "aria-describedby": "note-hint note-error",
            },
        ),
        rx.text(hint, size="1", color_scheme="gray", id="note-hint"),
        field_error(errors, "note"),
        spacing="1",
        width="100%",
    )


def _decision_dialog() -> rx.Component:
    approve = _S.decision_approve
    return rx.cond(
        approve,
        form_dialog(
            _note_field(
                _S.decision_errors,
                required=False,
                placeholder="Welcome to the directory.",
                hint="Optional. The app's team sees it beside the decision.",
            ),
            title=("Approve ", _S.decision_app, "?"),
            description=(
                "The app becomes public: listed in the app directory for every signed-in user, "
                "who can install it from there. You can withdraw the listing later (Unlist)."
            ),
            confirm="Approve and list",
            on_submit=_S.decide,
            open=_S.decision_open,
            on_open_change=_S.set_decision_open,
        ),
        form_dialog(
            _note_field(
                _S.decision_errors,
                required=True,
                placeholder="Add a privacy policy link to the manifest's display info.",
                hint="Required: say what to change. The app's team sees it and can ask again.",
            ),
            title=("Reject ", _S.decision_app, "?"),
            description=(
                "The app keeps its visibility (private or unlisted) and stays out of the app "
                "directory. Its team sees the rejection with your note."
            ),
            confirm="Reject request",
            on_submit=_S.decide,
            open=_S.decision_open,
            on_open_change=_S.set_decision_open,
            destructive=True,
        ),
    )


def _unlist_dialog() -> rx.Component:
    return form_dialog(
        _note_field(
            _S.unlist_errors,
            required=True,
            placeholder="The app's support address stopped answering.",
            hint="Required: the app's team sees it on the app's General tab.",
        ),
        title=("Unlist ", _S.unlist_app, "?"),
        description=(
            "The app leaves the app directory and becomes unlisted: install links and existing "
            "installations keep working. Its team can ask for a listing again."
        ),
        confirm="Unlist app",
        on_submit=_S.unlist,
        open=_S.unlist_open,
        on_open_change=_S.set_unlist_open,
        destructive=True,
    )


def _empty() -> rx.Component:
    return rx.match(
        _S.view,
        (
            distribution.DECIDED,
            empty_state(
                "shield-check",
                "No decisions yet",
                "Approved, rejected and unlisted requests show here once staff decide them. "
                "Pending requests are under Pending.",
            ),
        ),
        (
            distribution.WITHDRAWN,
            empty_state(
                "undo-2",
                "No withdrawn requests",
                "Requests developers took back before a decision show here.",
            ),
        ),
        empty_state(
            "inbox",
            "No requests waiting",
            "When a developer asks for a public listing (their app's General tab, Distribution), "
            "it shows here to approve or reject. Decided requests are under Decided.",
        ),
    )


@page(routes.PLATFORM_REVIEWS, on_load=[PlatformReviewsState.load])
def distribution_reviews() -> rx.Component:
    return rx.el.div(
        rx.text(
            "Developers ask for their apps to be listed publicly in the app directory. Approve "
            "lists the app; Reject keeps it out and tells its team why.",
            size="2",
            color_scheme="gray",
        ),
        rx.el.div(
            select(
                list(VIEWS),
                label="Show requests",
                value=_S.view,
                on_change=_S.filter_view,
            ),
            class_name="pt-toolbar",
        ),
        data_table(
            _S.reviews,
            COLUMNS,
            label="Distribution requests",
            empty=_empty(),
            footer=pager(**_S.pager_props(REVIEWS)),
            row_class="review-row",
            stack_on_phone=True,
        ),
        _decision_dialog(),
        _unlist_dialog(),
        class_name="pt-stack",
    )

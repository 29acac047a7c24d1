"""A developer app's General tab: its name, slug and description (developers and owners edit
them; viewers read them), and its visibility with what it means."""

from __future__ import annotations

import reflex as rx

from portal import routes
from portal.components.badges import visibility_badge
from portal.components.forms import field_error, form_field
from portal.domain.developer import DESCRIPTION_MAX, NAME_MAX, SLUG_MAX
from portal.domain.errors import PortalError
from portal.layout import page
from portal.pages.developer.frame import developer_app_frame, section
from portal.services import developer_apps
from portal.state.open_developer_app import OpenDeveloperAppState

TAB = "general"


class DeveloperGeneralState(OpenDeveloperAppState):
    general_errors: dict[str, str] = {}
    general_key: int = 0  # bumped on load and save: the inputs take the saved values

    @rx.event
    async def load(self):
        detail = await self._open_dev_app(TAB)
        self.general_errors = {}
        if detail is not None:
            self.general_key += 1

    @rx.event
    async def save(self, form: dict):
        before = self.dev_app_slug
        try:
            saved = await self._call(
                developer_apps.update_general,
                app_id=self._dev_app_id,
                name=str(form.get("name", ""))[: NAME_MAX * 4],
                slug=str(form.get("slug", ""))[: SLUG_MAX * 4],
                description=str(form.get("description", ""))[: DESCRIPTION_MAX * 4],
            )
        except PortalError as exc:
            return self._show_error(exc, fields="general_errors", field="name")
        self.general_errors = {}
        self._show_dev_app(saved, TAB)
        self.general_key += 1
        toast = rx.toast.success("Details saved.", position="top-center")
        if saved.slug != before:
            # The app's URLs follow its new slug.
            return [rx.redirect(routes.developer_app_url(saved.slug), replace=True), toast]
        return toast


_S = DeveloperGeneralState


def _form() -> rx.Component:
    return rx.form(
        rx.el.fieldset(
            form_field("Name", "name", _S.general_errors, default_value=_S.dev_app_name),
            form_field(
                "Slug",
                "slug",
                _S.general_errors,
                default_value=_S.dev_app_slug,
                hint="Names the app in its URLs and install links; unique across Portal. "
                "Links with the old slug stop working.",
            ),
            rx.vstack(
                rx.el.label(
                    rx.text("Description", size="2", weight="medium"), html_for="description"
                ),
                rx.text_area(
                    id="description",
                    name="description",
                    default_value=_S.dev_app_description,
                    rows="3",
                    width="100%",
                ),
                field_error(_S.general_errors, "description"),
                spacing="1",
                width="100%",
                align="stretch",
            ),
            class_name="pt-stack pt-fieldset",
        ),
        rx.box(rx.button("Save details", type="submit")),
        on_submit=_S.save,
        key=_S.general_key.to_string(),
        class_name="pt-stack",
    )


def _fact(label: str, value) -> rx.Component:
    return rx.el.div(rx.el.dt(label), rx.el.dd(value))


def _read_only() -> rx.Component:
    return rx.el.div(
        rx.el.dl(
            _fact("Name", _S.dev_app_name),
            _fact("Slug", rx.el.span(_S.dev_app_slug, class_name="pt-slug")),
            _fact(
                "Description",
                rx.cond(_S.dev_app_description != "", _S.dev_app_description, "—"),
            ),
            class_name="pt-facts pt-facts-column",
        ),
        rx.text(
            "You are a viewer on this app's team: you can read its details; changing them "
            "needs the developer or owner role.",
            size="2",
            color_scheme="gray",
            id="read-only-hint",
        ),
        class_name="pt-stack",
    )


@page(routes.DEVELOPER_APP_GENERAL, on_load=[DeveloperGeneralState.load])
def developer_app_general() -> rx.Component:
    return developer_app_frame(
        rx.el.div(
            section(
                "Details",
                rx.cond(_S.dev_app_can_edit, _form(), _read_only()),
                label="App details",
            ),
            section(
                "Visibility",
                rx.el.div(
                    visibility_badge(_S.dev_app_visibility),
                    rx.text(_S.dev_app_visibility_meaning, size="2", id="visibility-meaning"),
                    class_name="pt-inline pt-wrap-inline",
                ),
                rx.text(
                    "New apps are private. Allowlists and requests for broader distribution "
                    "are managed here once install links exist.",
                    size="2",
                    color_scheme="gray",
                ),
            ),
            class_name="pt-stack",
        )
    )

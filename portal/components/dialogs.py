"""The footer of every dialog (Cancel, and a confirm button whose label says what it does), the
dialog around a form, and the question a one-click action asks first.

    rx.dialog.content(
        rx.dialog.title("Create workspace"),
        rx.form(
            ...fields...,
            dialog_footer("Create workspace", disabled=State.creating),
            on_submit=State.create,
        ),
    )

    # A destructive confirmation in an alert dialog, enabled once the name is typed:
    dialog_footer(
        "Offboard workspace",
        destructive=True,
        alert=True,
        disabled=State.confirm_name != State.workspace.name,
    )

    # No form: the confirm button calls a handler itself.
    dialog_footer("Remove member", destructive=True, alert=True, on_confirm=State.remove_member)

    # A form in a dialog: title, what it will do, the fields, the footer.
    form_dialog(
        name_field, field_error(State.errors, "name"),
        title="Rename account",
        description="Links to the account keep working.",
        confirm="Rename account",
        on_submit=State.rename,
        open=State.rename_open,
        on_open_change=State.set_rename_open,
        trigger=rx.button("Rename"),
    )

    # A one-click action asks first: the trigger opens the question, confirming runs it.
    confirm_dialog(
        rx.button("Revoke", color_scheme="red"),
        title="Revoke this token?",
        description="Scripts using it stop working at once. This cannot be undone.",
        confirm="Revoke token",
        on_confirm=State.revoke_token(row.id),
        destructive=True,
    )

The confirm button submits its form unless `on_confirm` is given; with `closes` (alert
dialogs) it also closes the dialog as its event starts. `loading` shows a spinner in
it (and disables it) while the handler works. Cancel closes the dialog without an event.
"""

from __future__ import annotations

import reflex as rx
from reflex.vars import Var


def dialog_footer(
    confirm: str,
    *,
    destructive: bool = False,
    disabled: Var | bool = False,
    loading: Var | bool = False,
    on_confirm=None,
    alert: bool = False,
    cancel: str = "Cancel",
    closes: bool = False,
) -> rx.Component:
    close = rx.alert_dialog.cancel if alert else rx.dialog.close
    extra = {"on_click": on_confirm} if on_confirm is not None else {}
    button = rx.button(
        confirm,
        type="button" if on_confirm is not None else "submit",
        color_scheme="red" if destructive else None,
        disabled=disabled,
        loading=loading,
        **extra,
    )
    if closes:
        button = rx.alert_dialog.action(button)
    return rx.hstack(
        close(rx.button(cancel, variant="soft", color_scheme="gray", type="button")),
        button,
        justify="end",
        width="100%",
        spacing="3",
        padding_top="var(--space-3)",
    )


def _parts(text: str | Var | tuple) -> tuple:
    """A title or description given as one piece or as a tuple of parts (text and Vars)."""
    return text if isinstance(text, tuple) else (text,)


def form_dialog(
    *fields: rx.Component,
    title: str | Var | tuple,
    description: str | Var | tuple,
    confirm: str,
    on_submit,
    open: Var,
    on_open_change,
    trigger: rx.Component | None = None,
    destructive: bool = False,
    disabled: Var | bool = False,
    spacing: str = "2",
) -> rx.Component:
    """`fields` in a form under `title` and `description`, with dialog_footer(`confirm`); the
    form submits to `on_submit`. The state holds `open` (so a refused submit keeps the
    dialog open with what was typed). A destructive form is an alert dialog: a click beside
    it does not close it."""
    kit = rx.alert_dialog if destructive else rx.dialog
    content = kit.content(
        kit.title(*_parts(title)),
        kit.description(*_parts(description), size="2", margin_bottom="var(--space-3)"),
        rx.form(
            rx.vstack(
                *fields,
                dialog_footer(
                    confirm, destructive=destructive, alert=destructive, disabled=disabled
                ),
                spacing=spacing,
                width="100%",
            ),
            on_submit=on_submit,
        ),
        max_width="480px",
    )
    opener = [kit.trigger(trigger)] if trigger is not None else []
    return kit.root(*opener, content, open=open, on_open_change=on_open_change)


def confirm_dialog(
    trigger: rx.Component | None,
    *,
    title: str | Var | tuple,
    description: str | Var | tuple,
    confirm: str,
    on_confirm,
    destructive: bool = False,
    open: Var | None = None,
    on_open_change=None,
) -> rx.Component:
    """`trigger` opens a question saying what `confirm` will do; Cancel leaves things as they
    were, the confirm button runs `on_confirm` and closes the dialog. `title` and
    `description` may be a tuple of parts (text and Vars). Without a trigger, the state opens
    it (`open`, and `on_open_change` hears Cancel): for a question a handler asks."""
    opener = [rx.alert_dialog.trigger(trigger)] if trigger is not None else []
    controlled = {"open": open, "on_open_change": on_open_change} if open is not None else {}
    return rx.alert_dialog.root(
        *opener,
        rx.alert_dialog.content(
            rx.alert_dialog.title(*_parts(title)),
            rx.alert_dialog.description(*_parts(description), size="2"),
            dialog_footer(
                confirm,
                destructive=destructive,
                alert=True,
                on_confirm=on_confirm,
                closes=True,
            ),
            max_width="460px",
        ),
        **controlled,
    )

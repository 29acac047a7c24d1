"""The footer of every dialog: Cancel, and a confirm button whose label says what it does.

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

The confirm button submits its form unless `on_confirm` is given. `loading` shows a spinner in
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
) -> rx.Component:
    close = rx.alert_dialog.cancel if alert else rx.dialog.close
    extra = {"on_click": on_confirm} if on_confirm is not None else {}
    return rx.hstack(
        close(rx.button(cancel, variant="soft", color_scheme="gray", type="button")),
        rx.button(
            confirm,
            type="button" if on_confirm is not None else "submit",
            color_scheme="red" if destructive else None,
            disabled=disabled,
            loading=loading,
            **extra,
        ),
        justify="end",
        width="100%",
        spacing="3",
        padding_top="var(--space-3)",
    )

"""Form fields with a label, a hint and an error shown where the person can fix it."""

from __future__ import annotations

import reflex as rx
from reflex.vars import Var


def field_error(errors: Var, name: str) -> rx.Component:
    return rx.cond(
        errors.contains(name),
        rx.text(errors[name], size="2", color_scheme="red", id=f"{name}-error"),
    )


def form_field(
    label: str,
    name: str,
    errors: Var,
    *,
    type: str = "text",
    placeholder: str = "",
    hint: str = "",
    autocomplete: str = "off",
    default_value: str | Var | None = None,
    required: bool = True,
    disabled: bool = False,
    auto_focus: bool = False,
) -> rx.Component:
    extra = {} if default_value is None else {"default_value": default_value}
    if auto_focus:
        extra["auto_focus"] = True
    return rx.vstack(
        rx.el.label(rx.text(label, size="2", weight="medium"), html_for=name),
        rx.input(
            id=name,
            name=name,
            type=type,
            placeholder=placeholder,
            auto_complete=autocomplete,
            required=required,
            disabled=disabled,
            size="3",
            width="100%",
            **extra,
        ),
        rx.text(hint, size="1", color_scheme="gray") if hint else rx.fragment(),
        field_error(errors, name),
        spacing="1",
        width="100%",
        align="stretch",
    )


def new_password_fields(
    errors: Var, *, min_length: int, name: str = "password", label: str = "Password"
) -> rx.Fragment:
    """A new password and its confirmation (`confirm_password`), as sign-up, an invitation's
    sign-up and a password reset ask for them; the handler compares the two."""
    return rx.fragment(
        form_field(
            label,
            name,
            errors,
            type="password",
            autocomplete="new-password",
            hint=f"At least {min_length} characters.",
        ),
        form_field(
            f"Confirm {label[0].lower()}{label[1:]}",
            "confirm_password",
            errors,
            type="password",
            autocomplete="new-password",
        ),
    )


def form_message(message: Var, *, color: str = "red", icon: str = "circle-alert") -> rx.Component:
    """A callout above the form when `message` is not empty."""
    return rx.cond(
        message != "",
        rx.callout(
            message,
            icon=icon,
            color_scheme=color,
            role="alert" if color == "red" else "status",
            width="100%",
        ),
    )


def select(
    items: list[str] | list[tuple[str, str]],
    *,
    label: str,
    width: str | None = None,
    **root_props,
) -> rx.Component:
    """A select whose trigger (the button a screen reader lands on) is named `label`.

    rx.select(..., aria_label=...) puts the label on the root, which renders nothing, so the
    trigger has no accessible name; `root_props` are value/on_change or name/default_value.
    """
    trigger = {"width": width} if width else {}
    return rx.select.root(
        rx.select.trigger(aria_label=label, **trigger),
        # An item is its value, or (value, the words shown for it).
        rx.select.content(
            *[
                rx.select.item(item[1], value=item[0])
                if isinstance(item, tuple)
                else rx.select.item(item, value=item)
                for item in items
            ]
        ),
        **root_props,
    )

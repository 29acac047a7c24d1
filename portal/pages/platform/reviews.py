"""Platform staff: requests for broader distribution (platform admins only)."""

import reflex as rx

from portal import routes
from portal.components.empty_state import coming
from portal.layout import page


@page(routes.PLATFORM_REVIEWS)
def distribution_reviews() -> rx.Component:
    return coming(
        "Distribution reviews",
        "Developers ask for their apps to be listed publicly; platform staff approve or "
        "reject those requests here.",
        ["Open requests with the app, its manifest and requested scopes", "Approve or reject"],
    )

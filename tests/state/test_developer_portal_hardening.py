"""The developer portal's handlers against hostile arguments: any client can call any handler with
any JSON arguments. Reflex 0.10 passes a list through unchanged to a handler annotated `str`
(reflex_base/event/processor/base_state_processor.py, _transform_event_arg), so a handler that
tests membership of an unhashable argument in a set or dict raises TypeError: the person sees
"Something went wrong on our side" and the log an unhandled exception, instead of the safe
fallback the handler documents."""

from __future__ import annotations

from portal.pages.platform.reviews import PlatformReviewsState
from tests.state.support import run


def test_the_reviews_view_filter_given_a_list_falls_back_to_pending(db, browse, person):
    """reviews.py filter_view: `value in distribution.VIEWS` with a list -> TypeError
    (unhashable), where the docstring promises "anything else: pending"."""
    _, staff_token, _ = person(name="Pat Platform", platform_admin=True)
    state = browse("/platform/reviews", token=staff_token).state(PlatformReviewsState)
    run(state.load)
    run(state.filter_view, ["decided"])
    assert state.view == "pending"


def test_the_consent_pages_choose_given_a_list_keeps_no_choice(db, browse, person):
    """install.py choose (older than today's diff, but on the page it extended):
    `workspace_id in offered` (a set) with a list -> TypeError, where the handler means to
    keep only a choice the server offered."""
    from portal.pages.install import InstallState

    _user, token, _actor = person(name="Ada Admin")
    state = browse("/directory/no-such-app", token=token).state(InstallState)
    run(state.choose, ["anything"])
    assert state.chosen == ""

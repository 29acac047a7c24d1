"""The account page (/accounts/<id>), one job per module:

- rows.py: the typed rows the page shows, and the one read that loads the account;
- state.py: AccountDetailState, every handler (service calls through `_call`);
- members.py: the member table, Remove member and a member's workspace grants;
- invite.py: Invite member;
- page.py: invitations, purge runs, activity, and the page itself.
"""

from portal.pages.accounts.detail import page  # noqa: F401 - registers the page

"""Shared Reflex states: the session (who is signed in) and the nav (workspace picker)."""

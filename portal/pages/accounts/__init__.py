"""Accounts: the list, an account's members and grants, and the public invitation page."""

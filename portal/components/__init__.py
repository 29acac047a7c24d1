"""Stateless UI pieces. They take Vars and values; they never import state or services."""

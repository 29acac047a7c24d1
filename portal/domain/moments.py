"""Moments as the browser is sent them: ISO 8601 in UTC, which pages show in local time."""

from __future__ import annotations

from datetime import UTC, datetime


def iso_utc(value: datetime | None) -> str:
    """`2026-11-22T13:05:09Z` (naive values are taken as UTC); "" for None."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

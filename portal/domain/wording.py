"""Words built around names people chose, which may end in punctuation of their own."""

from __future__ import annotations


def sentence(text: str) -> str:
    """`text` ended with a full stop, unless it ends in one already ("Acme Inc." stays)."""
    text = text.rstrip()
    return text if text.endswith((".", "!", "?", "…")) else f"{text}."

"""Words built around names people chose, which may end in punctuation of their own."""

from __future__ import annotations


def sentence(text: str) -> str:
    """`text` ended with a full stop, unless it ends in one already ("Acme Inc." stays)."""
    text = text.rstrip()
    return text if text.endswith((".", "!", "?", "…")) else f"{text}."


# The audit trail's action codes ("workspace.export_started") as a person reads them
# ("Workspace export started"). The codes stay the record (the API returns and filters by
# them); the words are what a feed shows. A subject may read better as other words, so long
# as a typed phrase still maps back to its code (action_prefix).
_SUBJECT_WORDS = {"token": "API token", "app_api_key": "App API key", "app": "App"}


def action_phrase(action: str) -> str:
    """`workspace.frozen` -> "Workspace frozen", `token.revoked` -> "API token revoked"."""
    subject, _, verb = action.partition(".")
    subject = _SUBJECT_WORDS.get(subject, subject.replace("_", " "))
    words = " ".join(part for part in (subject, verb.replace("_", " ")) if part).strip()
    return words[:1].upper() + words[1:] if words else action


def action_prefix(typed: str) -> str:
    """What a person typed to filter a feed, as the code prefix it means: the words a feed
    shows ("Workspace export", "api token created") or a code ("workspace.") alike."""
    words = " ".join(typed.lower().split())
    if "." in words or not words:
        return words
    for subject, shown in _SUBJECT_WORDS.items():
        shown = shown.lower()
        if words == shown or words.startswith(shown + " "):
            words = subject + words[len(shown) :]
            break
    subject, _, verb = words.partition(" ")
    return subject + ("." + verb.replace(" ", "_") if _ else "")

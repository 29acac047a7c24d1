"""A secret shown once (a personal access token) is in no state the server keeps, on disk or in
Redis, and leaves the page when its toast is closed; nor is the session token; state files are
the server's own.

Run with PORTAL_TEST_REDIS_URL=redis://127.0.0.1:6379 to check Redis keys instead of files.
"""

from __future__ import annotations

import re
import stat
import time
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from portal.services.tokens import token_hash

pytestmark = [pytest.mark.e2e, pytest.mark.stores]


def _state_blobs(server) -> dict[str, bytes]:
    """Every state the server keeps: each file under its .states/ directory, or each Redis
    key's value (any type) when it runs on Redis."""
    if server.redis_url:
        import redis

        client = redis.Redis.from_url(server.redis_url)
        blobs = {}
        for key in client.scan_iter(count=500):
            kind = client.type(key).decode()
            if kind == "string":
                value = client.get(key) or b""
            elif kind == "hash":
                value = b"".join(k + b"=" + v for k, v in client.hgetall(key).items())
            elif kind == "list":
                value = b"".join(client.lrange(key, 0, -1))
            elif kind == "set":
                value = b"".join(client.smembers(key))
            elif kind == "zset":
                value = b"".join(client.zrange(key, 0, -1))
            else:
                value = b""
            blobs[key.decode(errors="replace")] = key + b" " + value
        return blobs
    files = [path for path in Path(server.states_dir).rglob("*") if path.is_file()]
    return {str(path): path.read_bytes() for path in files}


def _wait_for_states_holding(server, marker: bytes, timeout: float = 20) -> dict[str, bytes]:
    """The server's states once one of them holds `marker` (the disk state manager writes
    a couple of seconds after an event)."""
    deadline = time.monotonic() + timeout
    while True:
        blobs = _state_blobs(server)
        if any(marker in blob for blob in blobs.values()):
            return blobs
        if time.monotonic() > deadline:
            raise AssertionError(f"no state holds {marker!r} after {timeout} s")
        time.sleep(0.5)


def test_a_token_secret_is_in_no_state_and_leaves_the_page_with_its_toast(
    page: Page, server, signed_in
) -> None:
    signed_in(name="Sid Secret", to="/settings")
    name = f"shown-once-{uuid.uuid4().hex[:8]}"
    page.get_by_label("Token name").fill(name)
    page.get_by_role("button", name="Create token").click()

    toast = page.locator("[data-sonner-toast]").filter(has_text="shown only once")
    expect(toast).to_contain_text(re.compile(r"pat_\S{20,}"))
    secret = re.search(r"pat_[A-Za-z0-9_\-]+", toast.inner_text()).group(0)
    expect(page.locator(".token-row")).to_contain_text(name)

    toast.get_by_role("button", name="Close toast").click()
    expect(toast).to_have_count(0)

    # Gone from the page: not in the document, nor in any storage a script could read.
    assert secret not in page.content()
    kept = page.evaluate(
        "JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage),"
        " document.cookie])"
    )
    assert secret not in kept

    # The server's states hold the token's listing (so they were written after the create)
    # but never its secret, nor the secret without its public prefix.
    blobs = _wait_for_states_holding(server, name.encode())
    tail = secret[12:].encode()
    assert len(tail) >= 20
    holding = [where for where, blob in blobs.items() if secret.encode() in blob or tail in blob]
    assert holding == []

    # Nor the session token: the websocket handshake's cookie reaches state as its hash only.
    [session] = [c["value"] for c in page.context.cookies() if c["name"] == "portal_session"]
    assert [where for where, blob in blobs.items() if session.encode() in blob] == []
    assert any(token_hash(session).encode() in blob for blob in blobs.values())

    if not server.redis_url:
        # Readable by the server's own user only.
        directory = Path(server.states_dir)
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700
        modes = {
            str(path): oct(stat.S_IMODE(path.stat().st_mode))
            for path in directory.rglob("*")
            if path.is_file()
        }
        assert modes and set(modes.values()) == {"0o600"}, modes

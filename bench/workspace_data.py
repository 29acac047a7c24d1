"""The workspace data pages' APIs under load, each beside a bare baseline in the same run.

    .venv/bin/python bench/workspace_data.py [--names 500] [--sizes 5,50] [--records 100000]
                                             [--seconds 5] [--rounds 3]

Seeds a SQLite file (a user, a workspace, a personal access token; `--names` secrets in each
of the three environments, set through the Secrets service), then starts servers on loopback
with granian, one worker each: Portal's /v1 API app (portal.api.app:create_api, the app
Reflex mounts), bench/bare_api.py replaying the SQL Portal sends for the secrets list
(bench/sql_capture.py), and bench/bare_files.py. Prints:

- secrets: `GET .../environments/prod/secrets?limit=50` with 16 connections (wrk when
  installed), requests per second and p50 of Portal and the bare route, alternating rounds,
  and the ratio (goal: at least 0.5x the bare rate);
- files: a streamed upload (PUT) and a download of each size in `--sizes` (MB), MB/s of
  Portal and the bare routes and the ratio, and the server's peak resident memory during each
  transfer (goal: the peak does not grow with the file: at most 16 MiB more for the largest
  file than for the smallest);
- the Data Vault: with `--records` records in a collection (seeded through the service),
  milliseconds per record stored and per exact-match search, each its own transaction as an
  API call is, through Portal's vault service in this process, beside the same work by hand
  (bare_vault below: sqlite3 and AES-GCM, a key per record, an HMAC blind index) on a table of
  the same size. No goal is set: the figures and the ratio are printed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

import sql_capture  # noqa: E402
from api_load import CONNECTIONS, medians, run  # noqa: E402
from data_plane import _granian  # noqa: E402
from harness import Server, _wait_until_up, base_env, seed  # noqa: E402

MIB = 1024 * 1024
RSS_GROWTH_GOAL = 16 * MIB
ENVIRONMENTS = ("dev", "staging", "prod")
VAULT_SAMPLE = 300  # stores and searches timed, after the seeding
SEED_BATCH = 1000


def _seed_secrets(work: Path, names: int) -> tuple[object, str]:
    """The seeded file (harness.seed: its token reads and administers the big account's
    workspaces) and the id of one of its workspaces, with `names` secrets per environment."""
    os.environ["PORTAL_DATA_DIR"] = str(work / "data")  # the master key file, as the server's
    seeded = seed(work, workspaces=1)
    from sqlmodel import select

    from portal.config import get_settings
    from portal.db import engine_for, transaction
    from portal.domain.access import Actor
    from portal.models import PermissionGrant, User, Workspace
    from portal.services import workspace_secrets

    get_settings.cache_clear()
    with transaction() as session:
        user = session.exec(select(User).where(User.email == "big@bench.example.com")).one()
        actor = Actor(user_id=user.id, email=user.email, name=user.name, is_platform_admin=False)
        own_account = session.exec(
            select(PermissionGrant.account_id).where(
                PermissionGrant.user_id == user.id, PermissionGrant.permission == "administer"
            )
        ).one()
        workspace = Workspace(
            account_id=own_account, name="Secrets bench", slug="secrets-bench", status="active"
        )
        session.add(workspace)
        session.flush()
        workspace_id = str(workspace.id)
        for number in range(names):
            for environment in ENVIRONMENTS:
                workspace_secrets.set_secret(
                    session=session,
                    actor=actor,
                    workspace_id=workspace_id,
                    environment=environment,
                    name=f"BENCH_SECRET_{number:04d}",
                    value=f"{environment}-value-{number}",
                )
    engine_for(seeded.database_url).dispose()
    return seeded, workspace_id


def _secrets(portal: Server, bare: Server, path: str, token: str, args) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    for server in (portal, bare):  # both answer the same page, and warm up
        answer = httpx.get(server.url + path, headers=headers, timeout=30)
        answer.raise_for_status()
        assert len(answer.json()["items"]) == 50, server.name
    results: dict[str, list] = {"portal": [], "bare": []}
    for _ in range(args.rounds):
        for name, server in (("portal", portal), ("bare", bare)):
            results[name].append(run(server.url + path, headers, args.seconds))
    p_rate, p_p50, p_err = medians(results["portal"])
    b_rate, b_p50, b_err = medians(results["bare"])
    ratio = p_rate / b_rate if b_rate else 0
    verdict = "PASS" if ratio >= 0.5 and not p_err else "MISS"
    print()
    print(
        f"secrets list, {args.names} names x 3 environments: GET {path.split('?')[0][-40:]}"
        f"?limit=50, {CONNECTIONS} connections, medians of {args.rounds} rounds of "
        f"{args.seconds:.0f} s, alternating"
    )
    print(f"  Portal /v1 app : {p_rate:8.0f} req/s, p50 {p_p50:6.1f} ms, errors {p_err}")
    print(f"  bare Starlette : {b_rate:8.0f} req/s, p50 {b_p50:6.1f} ms, errors {b_err}")
    p50_ratio = p_p50 / b_p50 if b_p50 else 0
    print(f"  ratio          : {ratio:.2f}x req/s, p50 {p50_ratio:.1f}x  (goal >= 0.5x) {verdict}")


def _body(size: int) -> Iterator[bytes]:
    """`size` bytes in 1 MiB parts, made as they are sent (the client holds one at a time)."""
    part = os.urandom(MIB)
    sent = 0
    while sent < size:
        chunk = part[: min(MIB, size - sent)]
        sent += len(chunk)
        yield chunk


class _PeakRss:
    """The server's highest resident memory (process and workers) while the block runs."""

    def __init__(self, server: Server) -> None:
        self._server, self.peak, self._done = server, 0, threading.Event()

    def __enter__(self) -> _PeakRss:
        self.peak = self._server.rss_bytes()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._done.wait(0.005):
            self.peak = max(self.peak, self._server.rss_bytes())

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._thread.join()
        self.peak = max(self.peak, self._server.rss_bytes())


def _transfer(server: Server, url: str, token: str, size: int) -> tuple[float, float, int]:
    """(upload MB/s, download MB/s, peak RSS bytes) of one file of `size` bytes."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(timeout=300, headers=headers) as client, _PeakRss(server) as rss:
        started = time.perf_counter()
        answer = client.put(url, content=_body(size))
        answer.raise_for_status()
        uploaded = time.perf_counter() - started
        received = 0
        started = time.perf_counter()
        with client.stream("GET", url) as download:
            download.raise_for_status()
            for chunk in download.iter_raw(MIB):
                received += len(chunk)
        downloaded = time.perf_counter() - started
    assert received == size, f"{server.name} sent {received} bytes of {size}"
    return size / MIB / uploaded, size / MIB / downloaded, rss.peak


def _files(portal: Server, bare: Server, workspace_id: str, token: str, args) -> None:
    sizes = [int(mb) * MIB for mb in args.sizes.split(",")]
    figures: dict[str, dict[int, list]] = {"portal": {}, "bare": {}}
    for size in sizes:
        for name, server in (("portal", portal), ("bare", bare)):
            runs = [
                _transfer(
                    server,
                    f"{server.url}/v1/workspaces/{workspace_id}/files/bench/{size // MIB}mb-"
                    f"{attempt}.bin",
                    token,
                    size,
                )
                for attempt in range(args.rounds)
            ]
            figures[name][size] = runs
    print()
    print(f"files: a streamed PUT and a GET of each size, medians of {args.rounds}")
    print(f"  {'size':>6} | {'':8} | {'up MB/s':>8} | {'down MB/s':>9} | {'peak RSS MiB':>12}")
    for size in sizes:
        for name in ("portal", "bare"):
            runs = figures[name][size]
            up = statistics.median(r[0] for r in runs)
            down = statistics.median(r[1] for r in runs)
            peak = max(r[2] for r in runs)
            print(f"  {size // MIB:>4}MB | {name:8} | {up:8.0f} | {down:9.0f} | {peak / MIB:12.1f}")
        p_up = statistics.median(r[0] for r in figures["portal"][size])
        b_up = statistics.median(r[0] for r in figures["bare"][size])
        p_down = statistics.median(r[1] for r in figures["portal"][size])
        b_down = statistics.median(r[1] for r in figures["bare"][size])
        print(f"  {'':>6} | ratio    | {p_up / b_up:7.2f}x | {p_down / b_down:8.2f}x |")
    small, large = min(sizes), max(sizes)
    growth = max(r[2] for r in figures["portal"][large]) - max(
        r[2] for r in figures["portal"][small]
    )
    verdict = "PASS" if growth <= RSS_GROWTH_GOAL else "MISS"
    print(
        f"  Portal's peak RSS at {large // MIB} MB minus at {small // MIB} MB: "
        f"{growth / MIB:+.1f} MiB (goal <= {RSS_GROWTH_GOAL // MIB} MiB) {verdict}"
    )


# Data Vault ----------------------------------------------------------------------------------


def _customer(number: int) -> dict[str, str]:
    return {
        "email": f"customer{number}@bench.example.com",
        "phone": f"+1 555 {number:07d}",
        "name": f"Customer {number}",
        "born": f"19{number % 90 + 10:02d}-0{number % 9 + 1}-1{number % 9}",
    }


def _vault_portal(workspace_id: str, records: int) -> tuple[float, float]:
    """(ms per store, ms per search) through Portal's vault service, on `records` records."""
    import random

    from sqlmodel import select

    from portal.db import transaction
    from portal.domain.access import Actor
    from portal.models import User
    from portal.services import vault

    with transaction() as session:
        user = session.exec(select(User).where(User.email == "big@bench.example.com")).one()
    actor = Actor(user_id=user.id, email=user.email, name=user.name, is_platform_admin=False)
    fields = [
        {"name": "email", "type": "email", "sensitivity": "masked", "searchable": True},
        {"name": "phone", "type": "phone", "sensitivity": "masked", "searchable": True},
        {"name": "name", "type": "string", "sensitivity": "masked", "searchable": False},
        {"name": "born", "type": "date", "sensitivity": "secret", "searchable": False},
    ]
    with transaction() as session:
        vault.create_collection(
            session=session, actor=actor, workspace_id=workspace_id, name="customers", fields=fields
        )
    started = time.monotonic()
    for first in range(0, records, SEED_BATCH):
        with transaction() as session:
            for number in range(first, min(records, first + SEED_BATCH)):
                vault.create_record(
                    session=session,
                    caller=actor,
                    workspace_id=workspace_id,
                    collection="customers",
                    values=_customer(number),
                )
        if first and first % (SEED_BATCH * 20) == 0:
            print(f"  {first:,} records stored ({time.monotonic() - started:.0f} s)", flush=True)
    stores = []
    for number in range(records, records + VAULT_SAMPLE):
        begun = time.perf_counter()
        with transaction() as session:
            vault.create_record(
                session=session,
                caller=actor,
                workspace_id=workspace_id,
                collection="customers",
                values=_customer(number),
            )
        stores.append(time.perf_counter() - begun)
    searches = []
    for number in random.Random(7).sample(range(records), VAULT_SAMPLE):
        begun = time.perf_counter()
        with transaction() as session:
            found = vault.search_records(
                session=session,
                caller=actor,
                workspace_id=workspace_id,
                collection="customers",
                field="email",
                value=_customer(number)["email"].upper(),  # found whatever its case
            )
        searches.append(time.perf_counter() - begun)
        assert len(found.items) == 1, number
    return statistics.median(stores) * 1000, statistics.median(searches) * 1000


class _BareVault:
    """The same cryptographic and database work by hand: a key per record wrapped by the
    workspace key, the values sealed as one JSON document (AES-256-GCM with the record's ids
    as associated data), an HMAC-SHA256 digest per searchable field in an indexed table."""

    def __init__(self, path: Path) -> None:
        import sqlite3

        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(
            "CREATE TABLE records (id INTEGER PRIMARY KEY, token TEXT UNIQUE, wrapped TEXT, "
            "sealed TEXT);"
            "CREATE TABLE digests (record_id INTEGER, field TEXT, digest TEXT);"
            "CREATE INDEX digests_lookup ON digests (field, digest);"
        )
        self.data_key = os.urandom(32)
        self.index_key = os.urandom(32)

    def _digest(self, field: str, value: str) -> str:
        import hashlib
        import hmac

        normal = value.lower() if field == "email" else "".join(c for c in value if c.isdigit())
        return hmac.new(self.index_key, f"{field}:{normal}".encode(), hashlib.sha256).hexdigest()

    def store(self, values: dict[str, str]) -> None:
        import base64
        import json
        import secrets as random_bytes

        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        token = "tok_" + random_bytes.token_urlsafe(24)
        record_key = os.urandom(32)
        nonce = os.urandom(12)
        wrapped = nonce + AESGCM(self.data_key).encrypt(nonce, record_key, token.encode())
        nonce = os.urandom(12)
        document = json.dumps(values, sort_keys=True).encode()
        sealed = nonce + AESGCM(record_key).encrypt(nonce, document, token.encode())
        self.db.execute("BEGIN")
        cursor = self.db.execute(
            "INSERT INTO records (token, wrapped, sealed) VALUES (?, ?, ?)",
            (token, base64.b64encode(wrapped).decode(), base64.b64encode(sealed).decode()),
        )
        self.db.executemany(
            "INSERT INTO digests VALUES (?, ?, ?)",
            [(cursor.lastrowid, f, self._digest(f, values[f])) for f in ("email", "phone")],
        )
        self.db.execute("COMMIT")

    def search(self, field: str, value: str) -> list[dict]:
        import base64
        import json

        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        rows = self.db.execute(
            "SELECT token, wrapped, sealed FROM records JOIN digests ON record_id = records.id "
            "WHERE field = ? AND digest = ? ORDER BY records.id DESC LIMIT 51",
            (field, self._digest(field, value)),
        ).fetchall()
        found = []
        for token, wrapped, sealed in rows:
            raw = base64.b64decode(wrapped)
            key = AESGCM(self.data_key).decrypt(raw[:12], raw[12:], token.encode())
            raw = base64.b64decode(sealed)
            found.append(json.loads(AESGCM(key).decrypt(raw[:12], raw[12:], token.encode())))
        return found


def _vault_bare(work: Path, records: int) -> tuple[float, float]:
    import random

    bare = _BareVault(work / "bare-vault.db")
    for number in range(records):
        bare.store(_customer(number))
    stores = []
    for number in range(records, records + VAULT_SAMPLE):
        begun = time.perf_counter()
        bare.store(_customer(number))
        stores.append(time.perf_counter() - begun)
    searches = []
    for number in random.Random(7).sample(range(records), VAULT_SAMPLE):
        begun = time.perf_counter()
        found = bare.search("email", _customer(number)["email"].upper())
        searches.append(time.perf_counter() - begun)
        assert len(found) == 1, number
    return statistics.median(stores) * 1000, statistics.median(searches) * 1000


def _vault(work: Path, workspace_id: str, records: int) -> None:
    print(f"\nseeding {records:,} vault records through the service", flush=True)
    p_store, p_search = _vault_portal(workspace_id, records)
    b_store, b_search = _vault_bare(work, records)
    print(f"data vault, {records:,} records, medians of {VAULT_SAMPLE} operations")
    print(f"  {'':14} | {'store ms':>8} | {'search ms':>9}")
    print(f"  {'Portal service':14} | {p_store:8.2f} | {p_search:9.2f}")
    print(f"  {'bare sqlite3':14} | {b_store:8.2f} | {b_search:9.2f}")
    print(f"  {'ratio':14} | {p_store / b_store:7.1f}x | {p_search / b_search:8.1f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--names", type=int, default=500)
    parser.add_argument("--sizes", default="5,50", help="file sizes in MB, comma separated")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--records", type=int, default=100_000, help="vault records")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="portal-bench-workspace-data-"))
    print(f"seeding {args.names} secrets x 3 environments in {work}", flush=True)
    seeded, workspace_id = _seed_secrets(work, args.names)
    path = f"/v1/workspaces/{workspace_id}/environments/prod/secrets?limit=50"
    replay = sql_capture.capture(seeded.sqlite_path, path, seeded.api_token)
    replay_path = sql_capture.save(replay, work / "replay.json")
    env = {
        **base_env(),
        "DATABASE_URL": seeded.database_url,
        "BENCH_SQLITE_PATH": str(seeded.sqlite_path),
        "BENCH_REPLAY": str(replay_path),
        "BENCH_FILES_DIR": str(work / "bare-files"),
        "PORTAL_DATA_DIR": str(work / "data"),
        "PORTAL_FILES_MAX_MB": str(max(int(mb) for mb in args.sizes.split(",")) + 1),
    }
    servers = []
    try:
        # One at a time, each up before the next asks for a free port: granian binds with
        # SO_REUSEPORT, so two servers given the same port would share its requests.
        for name, target, factory in (
            ("portal-api", "portal.api.app:create_api", True),
            ("bare-api", "bare_api:app", False),
            ("bare-files", "bare_files:app", False),
        ):
            servers.append(_granian(name, target, env, work, factory=factory))
            _wait_until_up(servers[-1], ["/v1/health"], 60)
        portal, bare_api, bare_files = servers
        _secrets(portal, bare_api, path, seeded.api_token, args)
        _files(portal, bare_files, workspace_id, seeded.api_token, args)
    finally:
        for server in servers:
            server.stop()
    _vault(work, workspace_id, args.records)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

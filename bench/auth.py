"""Sign-in costs: argon2id hash and verify, a whole sign-in, and resolving a session.

    .venv/bin/python bench/auth.py [--rounds 20]

Prints median and p95 in milliseconds on a temporary SQLite database. Argon2id at the OWASP
parameters (m=19 MiB, t=2, p=1) is meant to cost tens of milliseconds a verify; every page
event pays one session resolve.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _timed(fn, rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def _report(label: str, samples: list[float]) -> None:
    ordered = sorted(samples)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    print(f"{label:<28} median {statistics.median(ordered):7.2f} ms   p95 {p95:7.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    rounds = parser.parse_args().rounds

    tmp = tempfile.mkdtemp()
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.db"
    from portal import cli
    from portal.db import transaction
    from portal.domain.access import ClientInfo
    from portal.services import auth, passwords, sessions

    cli.upgrade(url=os.environ["DATABASE_URL"])
    password = "bench password 123"
    stored = passwords.hash_password(password)
    with transaction() as session:
        auth.create_user(session=session, email="bench@example.com", name="B", password=password)

    _report("argon2id hash", _timed(lambda: passwords.hash_password(password), rounds))
    _report("argon2id verify", _timed(lambda: passwords.verify(password, stored), rounds))

    tokens: list[str] = []

    def sign_in() -> None:
        with transaction() as session:
            tokens.append(
                auth.sign_in(
                    session=session,
                    email="bench@example.com",
                    password=password,
                    client=ClientInfo(ip_address=f"10.0.0.{len(tokens) % 250}"),
                ).token
            )

    _report("sign_in (service)", _timed(sign_in, rounds))

    def resolve() -> None:
        with transaction() as session:
            sessions.resolve_actor(session=session, token=tokens[-1])

    _report("resolve_actor (per event)", _timed(resolve, rounds * 10))


if __name__ == "__main__":
    main()

"""`reflex run` for the browser tests, reusing the last production build of this checkout when
the compiled frontend has not changed since.

`reflex run --env prod` compiles the app into .web and then runs Vite's production build
(client and server bundles) every time: about a minute of CPU on a 2-core machine, most of
the browser tests' setup. The build is a pure function of .web's sources (the pages Reflex
compiled, package.json, the Vite config, env.json with the server's port), so when their
digest matches the one stamped into .web/build by the last build here, that build is reused.
Any change to a page changes the compiled sources and builds again; a fresh clone always
builds. The port is part of the digest: tests/e2e/conftest.py asks for the same port each run
(`_stable_port`), or the build could never be reused.

    python -m tests.e2e.serve run --env prod --single-port --frontend-port 23456
"""

from __future__ import annotations

import hashlib
import sys
import time
from pathlib import Path

# Generated or installed, not sources of the build: the build's own output, the installed
# packages (package-lock.json stands for them) and Reflex's bookkeeping.
SKIPPED = {"build", "node_modules", ".react-router", "reflex.install_frontend_packages.cached"}
STAMP = ".portal-sources-digest"


def sources_digest(web: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(web.rglob("*")):
        relative = path.relative_to(web)
        if relative.parts[0] in SKIPPED or not path.is_file():
            continue
        digest.update(str(relative).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _reusing(original_build):
    def build() -> None:
        web = Path.cwd() / ".web"
        digest = sources_digest(web)
        stamp = web / "build" / STAMP
        if stamp.is_file() and stamp.read_text() == digest:
            print(f"frontend sources unchanged ({digest[:12]}): reusing .web/build", flush=True)
            return
        started = time.monotonic()
        original_build()
        stamp.write_text(digest)
        print(f"frontend built in {time.monotonic() - started:.1f} s ({digest[:12]})", flush=True)

    return build


def main() -> None:
    from reflex.reflex import cli
    from reflex.utils import build

    # setup_frontend_prod() calls build() through the module's globals: replaced here.
    build.build = _reusing(build.build)
    sys.argv = ["reflex", *sys.argv[1:]]
    cli()


if __name__ == "__main__":
    main()

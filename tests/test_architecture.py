"""What import-linter cannot see: the chains through third-party packages.

The contracts in pyproject.toml follow imports through Portal's own modules only. Here a fresh
interpreter imports every module of the layers that must stay free of web frameworks and
checks that none got loaded, whatever library pulled it in.
"""

from __future__ import annotations

import json
import subprocess
import sys

from portal.config import ROOT

FRAMEWORKS = ("reflex", "fastapi", "starlette")
FREE_OF_FRAMEWORKS = (
    "portal.services",
    "portal.domain",
    "portal.models",
    "portal.config",
    "portal.db",
)

_PROBE = """
import importlib, json, pkgutil, sys
names = []
for name in sys.argv[1:]:
    module = importlib.import_module(name)
    names.append(name)
    for info in pkgutil.walk_packages(getattr(module, "__path__", []), name + "."):
        importlib.import_module(info.name)
        names.append(info.name)
loaded = sorted({m.split(".")[0] for m in sys.modules} & {"reflex", "fastapi", "starlette"})
print(json.dumps({"imported": names, "frameworks": loaded}))
"""


def test_services_domain_and_models_load_no_web_framework():
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, *FREE_OF_FRAMEWORKS],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert "portal.services.workspaces" in report["imported"]  # it walked the packages
    assert "portal.models.user" in report["imported"]
    assert report["frameworks"] == []

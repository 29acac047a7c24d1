"""One FastAPI app per test process for the tests that call the API in-process.

A new app per test made FastAPI build every included router's routes (their fields and
validators) again on that app's first request: sharing one saved about 4 % of the CPU of
tests/api and tests/state together. The app holds no per-test state: it reads settings
(DATABASE_URL and the rest) per request. Its OpenAPI document is built once; a test about a
setting the document shows makes an app of its own.
"""

from __future__ import annotations

import functools

from fastapi import FastAPI

from portal.api.app import create_api


@functools.cache
def shared_api() -> FastAPI:
    return create_api()

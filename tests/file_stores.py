"""The file stores under test: the data directory, and an S3 bucket on moto's server mode
started on loopback for the test session. `file_store` is parametrized over both, so every
test that asks for it runs against each; it points the settings at the store (Portal's own
`get_storage()` then returns it) and yields that store.

tests/conftest.py imports the fixtures, so every test can ask for them.
"""

from __future__ import annotations

import contextlib
import socket
import uuid
from collections.abc import Iterator

import pytest

from portal.config import get_settings
from portal.services import file_storage

S3_KEYS = {"PORTAL_FILES_S3_ACCESS_KEY_ID": "testing", "PORTAL_FILES_S3_SECRET_ACCESS_KEY": "x"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    """An S3-compatible server on loopback (moto's server mode) for this test session."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(scope="session")
def s3_bucket(moto_url) -> str:
    """This test process's bucket on moto's server, made once: a new bucket name for each
    test made Portal a new boto3 client for each (`file_storage._s3` keeps one per bucket),
    about 0.1 s of CPU apiece. `file_store` empties it before each test instead."""
    return f"portal-{uuid.uuid4().hex[:12]}"


@pytest.fixture(params=["local", "s3"])
def file_store(request, database, monkeypatch) -> file_storage.Storage:
    """The configured file store, once the data directory and once an empty S3 bucket."""
    if request.param == "s3":
        bucket = request.getfixturevalue("s3_bucket")
        settings = {
            "PORTAL_FILES_S3_BUCKET": bucket,
            "PORTAL_FILES_S3_ENDPOINT_URL": request.getfixturevalue("moto_url"),
            "PORTAL_FILES_S3_REGION": "us-east-1",
            **S3_KEYS,
        }
        for name, value in settings.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        store = file_storage.get_storage()
        _empty(store._client, bucket)
    else:
        store = file_storage.get_storage()
    assert store.name == request.param
    return store


def _empty(client, bucket: str) -> None:
    """Make `bucket` exist with nothing in it (what the last test left is deleted)."""
    with contextlib.suppress(client.exceptions.BucketAlreadyOwnedByYou):
        client.create_bucket(Bucket=bucket)
    for listed in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys = [{"Key": item["Key"]} for item in listed.get("Contents", [])]
        if keys:
            client.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
    assert client.list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0

"""Where workspaces' files keep their bytes: one small interface, two stores.

- `LocalStorage` (the default): `<data dir>/files/<key>`. A write streams into a temporary
  file beside the store and is renamed into place when it is complete (atomic: a reader sees
  the whole content or nothing, and a failed upload leaves no partial file under its key).
- `S3Storage`, when PORTAL_FILES_S3_BUCKET is set: any S3-compatible store (AWS S3, MinIO,
  R2, ...) through boto3, so several Portal servers share one store. A write under PART_SIZE
  is one PutObject; a larger one a multipart upload, sent part by part as it arrives, so at
  most one part is in memory; an aborted write aborts the multipart upload.

Keys are made by the Files service ("<workspace id>/<random hex>"), never by a client; both
stores refuse anything else, so no key can reach outside the store. Content is read back in
chunks: a download never holds a whole file either.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from portal.config import Settings, get_settings

CHUNK_SIZE = 256 * 1024  # what a read yields at a time
PART_SIZE = 8 * 1024 * 1024  # an S3 multipart upload's part (S3's minimum is 5 MiB)
KEY = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/[0-9a-f]{32}")
PREFIX = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/")


class StorageError(RuntimeError):
    """The store failed (unreachable, refused): not something the caller did."""


def _checked(key: str, pattern: re.Pattern[str] = KEY) -> str:
    if not isinstance(key, str) or not pattern.fullmatch(key):
        raise ValueError(f"not a file store key: {key!r}")
    return key


class BlobWriter(Protocol):
    def write(self, chunk: bytes) -> None: ...

    def commit(self) -> None:
        """Make the content visible under its key (nothing is, before)."""

    def abort(self) -> None:
        """Drop what was written; safe to call after a failure and more than once."""


class Storage(Protocol):
    name: str

    def writer(self, key: str) -> BlobWriter: ...

    def read(self, key: str) -> Iterator[bytes]: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, keys: list[str]) -> None:
        """Delete these keys; a key that is not there is no error."""

    def delete_prefix(self, prefix: str) -> int:
        """Delete every key under "<workspace id>/"; how many there were."""


# The data directory -----------------------------------------------------------------------


class _LocalWriter:
    def __init__(self, target: Path, spool: Path) -> None:
        self._target = target
        spool.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=spool, prefix="upload-", suffix=".part")
        self._temporary = Path(name)
        self._file = os.fdopen(handle, "wb")

    def write(self, chunk: bytes) -> None:
        self._file.write(chunk)

    def commit(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        self._target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self._temporary, self._target)

    def abort(self) -> None:
        if not self._file.closed:
            self._file.close()
        self._temporary.unlink(missing_ok=True)


class LocalStorage:
    name = "local"

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        # Temporary files live inside the store's directory: the rename stays on one file
        # system, so it is atomic.
        self._spool = self.root / ".uploads"

    def _path(self, key: str) -> Path:
        return self.root / _checked(key)

    def writer(self, key: str) -> BlobWriter:
        return _LocalWriter(self._path(key), self._spool)

    def read(self, key: str) -> Iterator[bytes]:
        try:
            handle = self._path(key).open("rb")
        except FileNotFoundError:
            raise StorageError(f"the stored bytes of {key} are missing") from None
        with handle:
            while chunk := handle.read(CHUNK_SIZE):
                yield chunk

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, keys: list[str]) -> None:
        for key in keys:
            self._path(key).unlink(missing_ok=True)

    def delete_prefix(self, prefix: str) -> int:
        folder = self.root / _checked(prefix, PREFIX)
        count = sum(1 for entry in folder.iterdir() if entry.is_file()) if folder.is_dir() else 0
        shutil.rmtree(folder, ignore_errors=True)
        return count


# An S3-compatible bucket ------------------------------------------------------------------


class _S3Writer:
    def __init__(self, client: Any, bucket: str, key: str) -> None:
        self._client, self._bucket, self._key = client, bucket, key
        self._buffer = bytearray()
        self._upload_id: str | None = None
        self._parts: list[dict[str, Any]] = []

    def write(self, chunk: bytes) -> None:
        self._buffer += chunk
        while len(self._buffer) >= PART_SIZE:
            self._send_part(bytes(self._buffer[:PART_SIZE]))
            del self._buffer[:PART_SIZE]

    def _send_part(self, data: bytes) -> None:
        if self._upload_id is None:
            created = self._client.create_multipart_upload(Bucket=self._bucket, Key=self._key)
            self._upload_id = created["UploadId"]
        number = len(self._parts) + 1
        sent = self._client.upload_part(
            Bucket=self._bucket,
            Key=self._key,
            UploadId=self._upload_id,
            PartNumber=number,
            Body=data,
        )
        self._parts.append({"PartNumber": number, "ETag": sent["ETag"]})

    def commit(self) -> None:
        if self._upload_id is None:  # small enough for one request
            self._client.put_object(Bucket=self._bucket, Key=self._key, Body=bytes(self._buffer))
        else:
            if self._buffer:
                self._send_part(bytes(self._buffer))
            self._client.complete_multipart_upload(
                Bucket=self._bucket,
                Key=self._key,
                UploadId=self._upload_id,
                MultipartUpload={"Parts": self._parts},
            )
        self._buffer.clear()

    def abort(self) -> None:
        self._buffer.clear()
        upload_id, self._upload_id = self._upload_id, None
        if upload_id is not None:
            self._client.abort_multipart_upload(
                Bucket=self._bucket, Key=self._key, UploadId=upload_id
            )


class S3Storage:
    name = "s3"

    def __init__(
        self,
        *,
        bucket: str,
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
    ) -> None:
        import boto3  # only when an S3 store is configured
        from botocore.config import Config

        self.bucket = bucket
        self._client = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=Config(retries={"mode": "standard"}),
        )
        self._missing = self._client.exceptions.NoSuchKey

    def writer(self, key: str) -> BlobWriter:
        return _S3Writer(self._client, self.bucket, _checked(key))

    def read(self, key: str) -> Iterator[bytes]:
        try:
            body = self._client.get_object(Bucket=self.bucket, Key=_checked(key))["Body"]
        except self._missing:
            raise StorageError(f"the stored bytes of {key} are missing") from None
        try:
            yield from body.iter_chunks(CHUNK_SIZE)
        finally:
            body.close()

    def exists(self, key: str) -> bool:
        found = self._client.list_objects_v2(Bucket=self.bucket, Prefix=_checked(key), MaxKeys=1)
        return any(item["Key"] == key for item in found.get("Contents", []))

    def delete(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):  # DeleteObjects takes 1,000 at a time
            batch = [{"Key": _checked(key)} for key in keys[start : start + 1000]]
            if batch:
                self._client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True}
                )

    def delete_prefix(self, prefix: str) -> int:
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=_checked(prefix, PREFIX)
        )
        count = 0
        for page in pages:
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:
                self._client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": keys, "Quiet": True}
                )
                count += len(keys)
        return count


# The configured store -----------------------------------------------------------------------

_lock = threading.Lock()


def storage_for(settings: Settings) -> Storage:
    """The store the settings name: an S3 bucket when PORTAL_FILES_S3_BUCKET is set, else
    the data directory."""
    if settings.files_s3_bucket:
        secret = settings.files_s3_secret_access_key
        return _s3(
            settings.files_s3_bucket,
            settings.files_s3_endpoint_url,
            settings.files_s3_region,
            settings.files_s3_access_key_id,
            secret.get_secret_value() if secret else None,
        )
    return LocalStorage(settings.data_dir / "files")


@lru_cache(maxsize=4)
def _s3(
    bucket: str,
    endpoint_url: str | None,
    region: str | None,
    access_key_id: str | None,
    secret_access_key: str | None,
) -> S3Storage:
    # A boto3 client is thread-safe once made; making one is not, hence the lock.
    with _lock:
        return S3Storage(
            bucket=bucket,
            endpoint_url=endpoint_url,
            region=region,
            access_key_id=access_key_id,
            secret_access_key=secret_access_key,
        )


def get_storage() -> Storage:
    return storage_for(get_settings())

"""Standard Webhooks signing (portal/services/webhook_signing.py), checked by the public
`standardwebhooks` package a receiver would use: a signed delivery verifies; a tampered body,
a wrong secret and a stale timestamp do not; during a rotation either secret verifies."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from portal.services import webhook_endpoints, webhook_signing
from portal.services.webhook_signing import (
    MalformedSecret,
    headers,
    new_message_id,
    new_secret,
    signature,
    signing_key,
)

BODY = json.dumps({"type": "organization.created", "data": {"id": "org_1", "name": "Zoë"}}).encode()


def _now() -> datetime:
    """The library checks timestamps against the real clock, so signatures use it too, read
    when the test runs (a suite can run minutes after collecting this module)."""
    return datetime.now(UTC)


def _signed(secrets: list[str], body: bytes = BODY, when: datetime | None = None) -> dict[str, str]:
    return headers(secrets, new_message_id(), when or _now(), body)


def test_a_signed_delivery_verifies_with_the_standard_library():
    secret = new_secret()
    now = _now()
    sent = _signed([secret], when=now)
    assert Webhook(secret).verify(BODY, sent) == json.loads(BODY)
    assert set(sent) == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert sent["webhook-timestamp"] == str(int(now.timestamp()))
    assert re.fullmatch(r"v1,[A-Za-z0-9+/]{43}=", sent["webhook-signature"])


def test_our_signature_is_the_librarys_byte_for_byte():
    secret, msg_id = new_secret(), new_message_id()
    moment = datetime(2026, 12, 2, 1, 0, 0, 750_000, tzinfo=UTC)  # fractions are dropped
    ours = signature(secret, msg_id, moment, BODY)
    assert ours == Webhook(secret).sign(msg_id, moment, BODY.decode())
    assert ours == signature(secret, msg_id, int(moment.timestamp()), BODY)
    assert ours == signature(secret, msg_id, moment.replace(tzinfo=None), BODY)  # naive = UTC


def test_a_tampered_body_is_rejected():
    secret = new_secret()
    sent = _signed([secret])
    tampered = BODY.replace(b"org_1", b"org_2")
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        Webhook(secret).verify(tampered, sent)


def test_a_tampered_id_or_timestamp_is_rejected():
    secret = new_secret()
    sent = _signed([secret])
    for name, value in (
        ("webhook-id", new_message_id()),
        ("webhook-timestamp", str(int(sent["webhook-timestamp"]) - 1)),
    ):
        with pytest.raises(WebhookVerificationError, match="No matching signature"):
            Webhook(secret).verify(BODY, sent | {name: value})


def test_a_wrong_secret_is_rejected():
    sent = _signed([new_secret()])
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        Webhook(new_secret()).verify(BODY, sent)


def test_a_stale_timestamp_is_rejected():
    """The library allows five minutes either way: a replay from six minutes ago fails even
    with a valid signature."""
    secret = new_secret()
    stale = _signed([secret], when=_now() - timedelta(minutes=6))
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(secret).verify(BODY, stale)
    fresh_enough = _signed([secret], when=_now() - timedelta(minutes=4))
    Webhook(secret).verify(BODY, fresh_enough)


def test_during_a_rotation_either_secret_verifies():
    old, new = new_secret(), new_secret()
    sent = _signed([new, old])
    assert len(sent["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(BODY, sent)
    Webhook(new).verify(BODY, sent)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(BODY, sent)


def test_a_secret_given_twice_is_signed_once():
    secret = new_secret()
    assert len(_signed([secret, secret])["webhook-signature"].split(" ")) == 1


def test_a_delivery_needs_a_secret():
    with pytest.raises(MalformedSecret):
        headers([], new_message_id(), _now(), BODY)


def test_new_secrets_are_whsec_and_24_random_bytes():
    made = {new_secret() for _ in range(50)}
    assert len(made) == 50
    for secret in made:
        assert secret.startswith("whsec_")
        assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) == 24
        assert len(signing_key(secret)) == 24


def test_endpoints_get_their_secret_from_the_one_generator():
    assert webhook_endpoints.new_secret is webhook_signing.new_secret


def test_secrets_from_other_providers_are_accepted_unpadded():
    key = bytes(range(32))
    padded = "whsec_" + base64.b64encode(key).decode()
    assert signing_key(padded) == key
    assert signing_key(padded.rstrip("=")) == key


@pytest.mark.parametrize(
    ("secret", "says"),
    [
        ("", "starts with whsec_"),
        ("sk_live_abc", "starts with whsec_"),
        (base64.b64encode(bytes(24)).decode(), "starts with whsec_"),  # prefix missing
        ("whsec_", "24 to 64 bytes"),
        ("whsec_" + base64.b64encode(bytes(16)).decode(), "24 to 64 bytes"),
        ("whsec_" + base64.b64encode(bytes(65)).decode(), "24 to 64 bytes"),
        ("whsec_not base64 at all!", "followed by base64"),
        ("whsec_" + "A" * 31 + "*", "followed by base64"),
        ("whsec_" + "A" * 33, "followed by base64"),  # a length base64 cannot have
        (None, "starts with whsec_"),
    ],
)
def test_a_malformed_secret_is_refused_clearly(secret, says):
    with pytest.raises(MalformedSecret, match=says) as refused:
        signature(secret, new_message_id(), _now(), BODY)
    if secret and len(secret) > 8:
        assert secret[6:] not in str(refused.value)  # the message never repeats the secret


@pytest.mark.parametrize("msg_id", ["", "msg 1", "msg_1\r\nx-evil: 1", "é", "m" * 256])
def test_a_message_id_that_could_break_a_header_is_refused(msg_id):
    with pytest.raises(ValueError, match="message id"):
        headers([new_secret()], msg_id, _now(), BODY)


def test_the_body_is_signed_as_bytes():
    with pytest.raises(TypeError):
        signature(new_secret(), new_message_id(), _now(), BODY.decode())


def test_a_timestamp_before_1970_or_of_another_type_is_refused():
    with pytest.raises(ValueError, match="1970"):
        signature(new_secret(), new_message_id(), -1, BODY)
    with pytest.raises(TypeError):
        signature(new_secret(), new_message_id(), "1700000000", BODY)
    with pytest.raises(TypeError):
        signature(new_secret(), new_message_id(), True, BODY)


def test_message_ids_are_unique_and_sort_by_time():
    start = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
    moments = [start + timedelta(milliseconds=n * 7) for n in range(300)]
    ids = [new_message_id(moment) for moment in moments]
    assert len(set(ids)) == len(ids)
    assert sorted(ids) == ids
    for made in ids:
        assert re.fullmatch(r"msg_[0-7][0-9A-HJKMNP-TV-Z]{25}", made)
    many = {new_message_id(start) for _ in range(1000)}  # one millisecond, still unique
    assert len(many) == 1000
    assert new_message_id() > new_message_id(start)  # now is later than that


def test_a_message_id_encodes_its_millisecond():
    moment = datetime(2026, 12, 2, 1, 2, 3, 456_000, tzinfo=UTC)
    encoded = new_message_id(moment).removeprefix("msg_")[:10]
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    millis = 0
    for char in encoded:
        millis = millis * 32 + alphabet.index(char)
    assert millis == int(moment.timestamp() * 1000)

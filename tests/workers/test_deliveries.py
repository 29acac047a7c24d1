"""Webhook delivery end to end on a local receiver: fan-out to the subscribed endpoints, the
Standard Webhooks signature (verified with the public `standardwebhooks` package), retries
on the published schedule with a fake clock, 410, auto-disable and the owners' notice, two
workers without a duplicate attempt, a worker killed mid-delivery, and the SSRF guard."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlmodel import select
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from portal.config import get_settings
from portal.db import transaction
from portal.domain.mail import MailStatus
from portal.domain.webhooks import DeliveryStatus, FailureCause, Outcome
from portal.models import (
    AuditEvent,
    DeveloperApp,
    SentEmail,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from portal.models._base import utcnow
from portal.services import app_scope, organizations, webhook_deliveries, webhook_endpoints
from portal.workers import deliveries
from tests.factories import admin_actor, make_app, make_workspace
from tests.workers.receiver import Receiver


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


@pytest.fixture
def world(db, monkeypatch, receiver):
    monkeypatch.setenv("PORTAL_WEBHOOK_ALLOWED_HOSTS", "127.0.0.1")
    get_settings.cache_clear()
    actor, account_id = admin_actor(db)
    workspace = make_workspace(db, account_id, "Acme Production")
    app = make_app(db, actor, workspace.id, "Acme Web")
    scope = app_scope.for_console(
        db, actor, workspace_id=str(workspace.id), app_slug=app.slug, write=True
    )

    def endpoint(path="/hooks", categories=("organization",), environment=None):
        return webhook_endpoints.create_endpoint(
            session=db,
            actor=actor,
            workspace_id=str(workspace.id),
            app_slug=app.slug,
            url=receiver.url + path,
            categories=list(categories),
            environment=environment or scope.environment,
        )

    created = endpoint()
    db.commit()
    return SimpleNamespace(
        actor=actor,
        workspace=workspace,
        app=app,
        scope=scope,
        endpoint=created.endpoint,
        secret=created.secret,
        new_endpoint=endpoint,
    )


def _organization(db, world, name="Globex"):
    organizations.create_organization(session=db, scope=world.scope, name=name)
    db.commit()


def _round(now, owner="worker-a"):
    """One delivery round at `now` (a fake clock for the schedule), HTTP for real."""
    with transaction() as session:
        webhook_deliveries.fan_out(session, now=now)
    with transaction() as session:
        jobs = webhook_deliveries.claim_due(session, owner=owner, now=now)
    sent = deliveries.send_jobs(jobs)
    with transaction() as session:
        webhook_deliveries.record(session, list(sent), owner=owner, now=now)
    return sent


def _delivery(db, endpoint_id):
    db.expire_all()
    return db.exec(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)).one()


def test_an_event_is_delivered_signed_to_the_endpoint_that_takes_its_category(db, world, receiver):
    world.new_endpoint("/sign-ins", categories=("sign_in",))  # another category: nothing
    world.new_endpoint("/staging", environment="staging")  # another environment: nothing
    _organization(db, world)

    assert deliveries.run_once() == 1
    (request,) = receiver.requests
    assert request.path == "/hooks"
    payload = Webhook(world.secret).verify(request.body, request.headers)
    assert payload["type"] == "organization.created"
    assert b"Globex" in request.body
    assert request.headers["webhook-id"].startswith("msg_")
    assert request.headers["content-type"] == "application/json"

    delivery = _delivery(db, world.endpoint.id)
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (
        DeliveryStatus.SUCCEEDED,
        1,
        None,
    )
    (attempt,) = db.exec(select(WebhookAttempt)).all()
    assert (attempt.outcome, attempt.status_code, attempt.response_body) == ("success", 200, "ok")
    assert attempt.latency_ms is not None and attempt.latency_ms >= 0
    assert deliveries.run_once() == 0  # nothing twice


def test_a_tampered_body_or_a_stale_timestamp_fails_verification(db, world, receiver):
    _organization(db, world)
    deliveries.run_once()
    (request,) = receiver.requests
    verifier = Webhook(world.secret)
    with pytest.raises(WebhookVerificationError):
        verifier.verify(request.body.replace(b"Globex", b"Globez"), request.headers)
    stale = dict(request.headers, **{"webhook-timestamp": str(int(utcnow().timestamp()) - 600)})
    with pytest.raises(WebhookVerificationError):
        verifier.verify(request.body, stale)


def test_during_a_rotation_both_secrets_sign(db, world, receiver):
    rotated = webhook_endpoints.rotate_secret(
        session=db,
        actor=world.actor,
        workspace_id=str(world.workspace.id),
        app_slug=world.app.slug,
        endpoint_id=world.endpoint.id,
    )
    _organization(db, world)
    deliveries.run_once()
    (request,) = receiver.requests
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    Webhook(rotated).verify(request.body, request.headers)
    Webhook(world.secret).verify(request.body, request.headers)  # the old one, still live
    # After the overlap only the new secret signs.
    endpoint = db.get(WebhookEndpoint, world.endpoint.id)
    assert webhook_endpoints.signing_secrets(endpoint, utcnow() + timedelta(hours=25)) == [rotated]


def test_failures_follow_the_schedule_then_the_message_fails(db, world, receiver):
    receiver.answer(lambda request: (503, {}, b"down for maintenance"))
    _organization(db, world)
    now = utcnow()
    _round(now)
    delivery = _delivery(db, world.endpoint.id)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    wait = delivery.next_attempt_at - now
    assert timedelta(seconds=4.5) <= wait <= timedelta(seconds=5.5)  # 5 s, with jitter
    assert _round(now + timedelta(seconds=1)) == []  # not due yet

    schedule = [5, 300, 1800, 7200, 18000, 36000, 36000]  # seconds before attempts 2..8
    moment = now
    for attempt, _ in enumerate(schedule, start=2):
        moment = _delivery(db, world.endpoint.id).next_attempt_at
        (sent,) = _round(moment)
        assert sent.attempt == attempt
    delivery = _delivery(db, world.endpoint.id)
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (
        DeliveryStatus.FAILED,
        8,
        None,
    )
    assert len(receiver.requests) == 8
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1  # one message
    attempts = db.exec(select(WebhookAttempt).order_by(WebhookAttempt.attempt)).all()
    assert [a.attempt for a in attempts] == list(range(1, 9))
    assert {(a.cause, a.status_code) for a in attempts} == {(FailureCause.HTTP_STATUS, 503)}
    assert attempts[0].response_body == "down for maintenance"


def test_retry_after_is_honoured(db, world, receiver):
    receiver.answer(lambda request: (429, {"Retry-After": "120"}, b""))
    _organization(db, world)
    now = utcnow()
    _round(now)
    wait = _delivery(db, world.endpoint.id).next_attempt_at - now
    assert timedelta(seconds=120) <= wait <= timedelta(seconds=133)  # jitter only adds


def test_a_success_after_failures_resets_the_endpoint_clock(db, world, receiver):
    answers = iter([(500, {}, b""), (200, {}, b"")])
    receiver.answer(lambda request: next(answers))
    _organization(db, world)
    now = utcnow()
    _round(now)
    db.expire_all()
    assert db.get(WebhookEndpoint, world.endpoint.id).failing_since == now
    _round(_delivery(db, world.endpoint.id).next_attempt_at)
    db.expire_all()
    endpoint = db.get(WebhookEndpoint, world.endpoint.id)
    assert endpoint.failing_since is None and endpoint.last_success_at is not None


def test_410_disables_the_endpoint_and_tells_its_owners(db, world, receiver):
    receiver.answer(lambda request: (410, {}, b"gone"))
    _organization(db, world)
    _organization(db, world, "Initech")
    now = utcnow()
    sent = _round(now)
    assert {s.result.outcome for s in sent} == {Outcome.GONE}
    db.expire_all()
    endpoint = db.get(WebhookEndpoint, world.endpoint.id)
    assert not endpoint.enabled and "410" in endpoint.disabled_reason
    assert endpoint.disabled_at == now
    statuses = db.exec(select(WebhookDelivery.status)).all()
    assert statuses == [DeliveryStatus.FAILED, DeliveryStatus.FAILED]  # no retry after 410
    audit = db.exec(
        select(AuditEvent).where(AuditEvent.action == "webhook_endpoint.auto_disabled")
    ).all()
    assert len(audit) == 1  # told once, though two messages got the 410
    (mail,) = db.exec(select(SentEmail).where(SentEmail.subject.contains("disabled"))).all()
    assert mail.to_address == world.actor.email
    assert endpoint.url in mail.body and "/webhooks" in mail.body
    # A disabled endpoint gets no new deliveries.
    _organization(db, world, "Hooli")
    assert _round(utcnow()) == []


def test_an_endpoint_failing_for_five_days_is_disabled(db, world, receiver, monkeypatch):
    receiver.answer(lambda request: (500, {}, b""))
    _organization(db, world)
    now = utcnow()
    _round(now)  # failing since now
    # Days later (each message fails on its own schedule), another message fails.
    _organization(db, world, "Initech")
    later = now + timedelta(days=4, hours=23)
    _round(later)
    db.expire_all()
    assert db.get(WebhookEndpoint, world.endpoint.id).enabled  # not yet five days
    _organization(db, world, "Hooli")
    _round(now + timedelta(days=5, minutes=1))
    db.expire_all()
    endpoint = db.get(WebhookEndpoint, world.endpoint.id)
    assert not endpoint.enabled and "5 days" in endpoint.disabled_reason
    assert db.exec(select(SentEmail).where(SentEmail.subject.contains("disabled"))).one()
    queued = db.exec(select(SentEmail.status).where(SentEmail.subject.contains("disabled"))).one()
    assert queued in (MailStatus.QUEUED, MailStatus.KEPT)  # through the mail outbox


def test_the_disable_window_is_a_setting(db, world, receiver, monkeypatch):
    monkeypatch.setenv("PORTAL_WEBHOOK_DISABLE_AFTER_DAYS", "1")
    get_settings.cache_clear()
    receiver.answer(lambda request: (500, {}, b""))
    _organization(db, world)
    now = utcnow()
    _round(now)
    _organization(db, world, "Initech")
    _round(now + timedelta(days=1, minutes=1))
    db.expire_all()
    assert "1 day" in db.get(WebhookEndpoint, world.endpoint.id).disabled_reason


def test_two_workers_never_make_the_same_attempt(db, world, receiver):
    for number in range(60):
        _organization(db, world, f"Org {number}")
    barrier = threading.Barrier(2)
    made = []

    def work():
        barrier.wait()
        made.append(deliveries.run_once(limit=5))  # small rounds: the two take turns

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    ids = [r.headers["webhook-id"] for r in receiver.requests]
    assert len(ids) == 60 and len(set(ids)) == 60
    assert sum(made) == 60
    assert db.exec(select(WebhookAttempt)).all().__len__() == 60


def test_a_worker_killed_mid_delivery_loses_nothing(db, world, receiver):
    _organization(db, world)
    now = utcnow()
    with transaction() as session:
        webhook_deliveries.fan_out(session, now=now)
    with transaction() as session:  # the worker that dies: it claimed, then never recorded
        (lost,) = webhook_deliveries.claim_due(session, owner="dead-worker", now=now)
    assert _round(now + timedelta(seconds=30), owner="worker-b") == []  # its lease holds
    (sent,) = _round(now + webhook_deliveries.LEASE + timedelta(seconds=1), owner="worker-b")
    assert sent.attempt == lost.attempt == 1
    (request,) = receiver.requests
    assert request.headers["webhook-id"] == lost.message_id  # the same message, at least once
    assert _delivery(db, world.endpoint.id).status == DeliveryStatus.SUCCEEDED
    # The dead worker's late record (had it lived) changes nothing now: the lease is gone.
    with transaction() as session:
        webhook_deliveries.record(
            session,
            [webhook_deliveries.Sent(lost.delivery_id, 1, sent.result)],
            owner="dead-worker",
        )
    assert _delivery(db, world.endpoint.id).attempts == 1


@pytest.fixture
def canary():
    with Receiver() as running:
        yield running


def test_deliveries_never_reach_an_internal_address(db, world, receiver, canary, monkeypatch):
    """Endpoints saved before a guard existed (or by hand) still never reach loopback: the
    check is at connect time. 'localhost' resolves to 127.0.0.1; a redirect is not followed."""
    monkeypatch.setenv("PORTAL_WEBHOOK_ALLOWED_HOSTS", "127.0.0.2")  # not the canary's
    get_settings.cache_clear()
    port = canary.url.rsplit(":", 1)[1]
    for url in (canary.url, f"http://localhost:{port}/x", f"http://[::ffff:127.0.0.1]:{port}/"):
        db.add(
            WebhookEndpoint(
                app_id=world.app.id,
                environment=world.scope.environment,
                url=url,
                categories=["organization"],
                signing_secret_sealed=db.get(
                    WebhookEndpoint, world.endpoint.id
                ).signing_secret_sealed,
            )
        )
    db.commit()
    _organization(db, world)
    sent = _round(utcnow())
    assert canary.requests == []
    causes = {s.result.cause for s in sent}
    assert FailureCause.BLOCKED in causes
    assert all(s.result.outcome is Outcome.FAILURE for s in sent)


def test_a_redirect_is_not_followed(db, world, receiver, canary):
    receiver.answer(lambda request: (302, {"Location": canary.url + "/stolen"}, b""))
    _organization(db, world)
    (sent,) = _round(utcnow())
    assert canary.requests == []
    assert (sent.result.outcome, sent.result.status_code) == (Outcome.FAILURE, 302)


def test_an_installed_developer_app_gets_the_events_of_the_categories_it_declares(
    db, world, receiver
):
    from portal.models import DeveloperAppAllowlistEntry, DeveloperAppVersion
    from portal.services import developer_webhooks, installations, workspaces
    from tests.services.test_installations import developer, new_app

    dev = developer(db, "Dana Developer")
    app = new_app(db, dev)  # declares the "workspace" category and a webhook URL
    link = installations.create_link(session=db, actor=dev, app_id=app.id)
    # Deliveries go where the installed version says; here, the local receiver.
    version = db.exec(select(DeveloperAppVersion).where(DeveloperAppVersion.number == 1)).one()
    version.manifest = {**version.manifest, "webhook_url": receiver.url + "/acme-sync"}
    db.add(version)
    db.add(DeveloperAppAllowlistEntry(app_id=app.id, workspace_id=world.workspace.id))
    db.commit()
    installations.install(
        session=db,
        actor=world.actor,
        workspace_id=str(world.workspace.id),
        token=installations.link_token(link.id),
    )
    _organization(db, world)  # the app endpoint's category, not one the developer app declared
    workspaces.freeze(session=db, actor=world.actor, workspace_id=str(world.workspace.id))
    db.commit()
    assert deliveries.run_once() >= 3
    to_app = [r for r in receiver.requests if r.path == "/acme-sync"]
    assert [r.path for r in receiver.requests if r not in to_app] == ["/hooks"]
    secrets = developer_webhooks.signing_secrets(db, db.get(DeveloperApp, app.id))
    types = {Webhook(secrets[0]).verify(r.body, r.headers)["type"] for r in to_app}
    assert "workspace.frozen" in types
    assert not any(t.startswith("organization.") for t in types)  # not a declared category


def test_app_deleted_reaches_an_installed_app_after_the_app_is_gone(db, world, receiver):
    """Fanned out and sent after the commit that deleted the app (and its endpoints): the
    signed body still names the app; the app's own endpoint got nothing."""
    from portal.models import DeveloperAppAllowlistEntry, DeveloperAppVersion
    from portal.services import apps, developer_webhooks, installations
    from tests.services.test_installations import MANIFEST, developer, new_app

    with transaction() as session:  # the world's own events (app.created), out of the way
        webhook_deliveries.fan_out(session)
    dev = developer(db, "Dana Developer")
    app = new_app(db, dev, text=MANIFEST.replace("  - workspace\n", "  - apps\n"))
    link = installations.create_link(session=db, actor=dev, app_id=app.id)
    # Deliveries go where the installed version says; here, the local receiver.
    version = db.exec(select(DeveloperAppVersion).where(DeveloperAppVersion.number == 1)).one()
    version.manifest = {**version.manifest, "webhook_url": receiver.url + "/acme-sync"}
    db.add(version)
    db.add(DeveloperAppAllowlistEntry(app_id=app.id, workspace_id=world.workspace.id))
    db.commit()
    installations.install(
        session=db,
        actor=world.actor,
        workspace_id=str(world.workspace.id),
        token=installations.link_token(link.id),
    )
    apps.delete_app(
        session=db,
        actor=world.actor,
        workspace_id=str(world.workspace.id),
        app_slug=world.app.slug,
        confirm_name=world.app.name,
    )
    db.commit()
    assert deliveries.run_once() == 1
    (request,) = receiver.requests
    assert request.path == "/acme-sync"
    secrets = developer_webhooks.signing_secrets(db, db.get(DeveloperApp, app.id))
    payload = Webhook(secrets[0]).verify(request.body, request.headers)
    assert payload["type"] == "app.deleted"
    assert payload["data"]["app"] == {
        "id": world.app.id,
        "slug": world.app.slug,
        "name": world.app.name,
    }


def test_the_worker_loop_delivers_until_stopped(db, world, receiver, monkeypatch):
    monkeypatch.setattr(deliveries, "IDLE_SECONDS", 0.05)
    monkeypatch.setattr(webhook_deliveries, "CLAIM_BATCH", 7)  # several rounds, overlapping
    stop = threading.Event()
    loop = threading.Thread(target=deliveries.run_until, args=(stop,))
    loop.start()
    try:
        for number in range(30):
            _organization(db, world, f"Org {number}")
        deadline = time.monotonic() + 20
        while len(receiver.requests) < 30 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        loop.join(timeout=20)
    assert not loop.is_alive()
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 30
    db.expire_all()
    statuses = db.exec(select(WebhookDelivery.status)).all()
    assert statuses == [DeliveryStatus.SUCCEEDED] * 30  # every round's record written


def test_two_worker_processes_send_each_message_once(db, world, receiver, database):
    """Two `python -m portal worker` processes on the same database (as a deployment runs
    them; CI's PostgreSQL pass runs this on PostgreSQL): every message arrives, none twice."""
    for number in range(80):
        _organization(db, world, f"Org {number}")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "SMTP_"))}
    env.update(
        DATABASE_URL=database,
        PORTAL_WEBHOOK_ALLOWED_HOSTS="127.0.0.1",
        PORTAL_DATA_DIR=os.environ["PORTAL_DATA_DIR"],
    )
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "portal", "worker", "--interval", "3600"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(2)
    ]
    try:
        deadline = time.monotonic() + 60
        while len(receiver.requests) < 80 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)  # a duplicate would come right behind
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=30)
    ids = [r.headers["webhook-id"] for r in receiver.requests]
    assert len(ids) == 80 and len(set(ids)) == 80

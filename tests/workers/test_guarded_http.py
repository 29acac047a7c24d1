"""The delivery client's SSRF guard (portal/workers/guarded_http.py), against a local receiver
on 127.0.0.1 that counts every connection it accepts: no spelling of a loopback address, no
name that resolves to one and no redirect reaches it unless the operator's allowlist names the
host; the connection goes to the address that was checked (a second DNS answer is never used);
the Host header, TLS SNI and the certificate check stay on the URL's host name."""

from __future__ import annotations

import asyncio
import datetime
import http.server
import socket
import ssl
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import httpcore
import httpx
import pytest

from portal.workers import guarded_http
from portal.workers.guarded_http import (
    BlockedAddress,
    GuardedBackend,
    GuardedTransport,
    UnresolvableHost,
    guarded_client,
)


def _run(coroutine):
    """asyncio.run on a thread of its own (a browser test may leave a loop on this one)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


# The receiver --------------------------------------------------------------------------------


@dataclass
class Receiver:
    port: int
    connections: int = 0
    requests: list[tuple[str, str]] = field(default_factory=list)  # (path, Host header)
    server_names: list[str | None] = field(default_factory=list)  # TLS SNI, when TLS

    def url(self, host: str = "127.0.0.1", path: str = "/hook", scheme: str = "http") -> str:
        return f"{scheme}://{host}:{self.port}{path}"


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # http.server's name
        receiver: Receiver = self.server.receiver  # type: ignore[attr-defined]
        receiver.requests.append((self.path, self.headers.get("Host", "")))
        query = parse_qs(urlsplit(self.path).query)
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", query["to"][0])
        else:
            self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    do_POST = do_GET

    def log_message(self, *args):  # quiet
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def verify_request(self, request, client_address) -> bool:
        self.receiver.connections += 1  # type: ignore[attr-defined]
        return True


def _serve(tls: ssl.SSLContext | None = None) -> Iterator[Receiver]:
    server = _Server(("127.0.0.1", 0), _Handler)
    receiver = Receiver(port=server.server_address[1])
    server.receiver = receiver  # type: ignore[attr-defined]
    if tls is not None:
        tls.sni_callback = lambda _sock, name, _ctx: receiver.server_names.append(name)
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from _serve()


async def _get(url: str, *, allowed_hosts=(), **kwargs) -> httpx.Response:
    async with guarded_client(allowed_hosts=allowed_hosts, timeout=5.0) as client:
        return await client.get(url, **kwargs)


def _blocked(url: str, **kwargs) -> BlockedAddress:
    with pytest.raises(BlockedAddress) as refused:
        _run(_get(url, **kwargs))
    return refused.value


def _resolving(monkeypatch, answers: dict[str, list[list[str]]]) -> list[str]:
    """Replace the resolver: each name answers its lists in turn (the last one repeats)."""
    calls: list[str] = []

    async def resolve(host: str, port: int) -> list[str]:
        calls.append(host)
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        queue = answers[host]
        return queue.pop(0) if len(queue) > 1 else queue[0]

    monkeypatch.setattr(guarded_http, "resolve", resolve)
    return calls


# Refused, and the receiver never sees a connection ---------------------------------------

LOOPBACK_SPELLINGS = [
    "127.0.0.1",
    "localhost",
    "LOCALHOST",
    "127.1",
    "0x7f.1",
    "2130706433",
    "017700000001",
    "0x7f000001",
    "0",
    "0.0.0.0",  # noqa: S104 - an address to refuse, nothing binds it
    "[::1]",
    "[::]",
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]",
    "[0:0:0:0:0:ffff:127.0.0.1]",
    "[::127.0.0.1]",
    "[64:ff9b::7f00:1]",
    "[2002:7f00:1::]",
]


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS)
def test_loopback_however_spelled_is_refused_without_the_allowlist(receiver, host):
    refused = _blocked(receiver.url(host))
    assert isinstance(refused, httpx.ConnectError)
    assert refused.request.url.port == receiver.port
    assert refused.reason.startswith(("loopback", "unspecified"))
    assert "not a public address" in str(refused)
    assert receiver.connections == 0 and receiver.requests == []


def test_the_refusal_names_host_address_and_reason(receiver):
    refused = _blocked(receiver.url("localhost"))
    assert (refused.host, refused.address, refused.reason) == ("localhost", "127.0.0.1", "loopback")
    assert str(refused) == (
        "localhost resolves to 127.0.0.1, which is not a public address (loopback): "
        "webhooks go only to public addresses"
    )


def test_a_name_that_resolves_to_loopback_is_refused_at_connect_time(receiver, monkeypatch):
    """hooks.acme.example passes the save-time check; what it resolves to does not."""
    _resolving(monkeypatch, {"hooks.acme.example": [["127.0.0.1"]]})
    refused = _blocked(receiver.url("hooks.acme.example"))
    assert (refused.host, refused.address) == ("hooks.acme.example", "127.0.0.1")
    assert receiver.connections == 0


@pytest.mark.parametrize(
    ("answer", "address", "reason"),
    [
        (["93.184.216.34", "127.0.0.1"], "127.0.0.1", "loopback"),  # any one blocked: refused
        (["2606:4700::1111", "::ffff:169.254.169.254"], "::ffff:169.254.169.254", "link-local"),
        (["10.0.0.7"], "10.0.0.7", "private"),
        (["fd00::7"], "fd00::7", "private (unique local)"),
        (["100.64.0.7"], "100.64.0.7", "carrier-grade NAT"),
    ],
)
def test_any_blocked_address_among_the_answers_refuses(monkeypatch, answer, address, reason):
    _resolving(monkeypatch, {"hooks.acme.example": [answer]})
    refused = _blocked("https://hooks.acme.example/hook")
    assert refused.address == address and refused.reason.startswith(reason)


def test_a_name_that_does_not_resolve_is_its_own_error(monkeypatch):
    _resolving(monkeypatch, {})
    with pytest.raises(UnresolvableHost, match="nowhere.example does not resolve"):
        _run(_get("https://nowhere.example/hook"))


def test_the_real_resolver_is_the_event_loops():
    assert "127.0.0.1" in _run(guarded_http.resolve("localhost", 80))


# The allowlist ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("allowed", "host"), [("127.0.0.1", "127.0.0.1"), ("localhost", "localhost")]
)
def test_an_allowed_host_is_reached(receiver, allowed, host):
    response = _run(_get(receiver.url(host), allowed_hosts=[allowed]))
    assert response.status_code == 200 and response.text == "ok"
    assert receiver.requests == [("/hook", f"{host}:{receiver.port}")]


def test_the_allowlist_matches_the_urls_host_exactly(receiver):
    """localhost allowed is not 127.0.0.1 allowed, nor 127.1, nor a name resolving there."""
    for host in ("127.0.0.1", "127.1", "[::ffff:127.0.0.1]"):
        _blocked(receiver.url(host), allowed_hosts=["localhost"])
    assert receiver.connections == 0


def test_an_allowed_name_still_connects_to_the_address_it_resolved(receiver, monkeypatch):
    calls = _resolving(monkeypatch, {"receiver.test": [["127.0.0.1"]]})

    async def go():
        async with guarded_client(allowed_hosts=["receiver.test"]) as client:
            async with client.stream("GET", receiver.url("receiver.test")) as response:
                peer = response.extensions["network_stream"].get_extra_info("server_addr")
            return response, peer

    response, peer = _run(go())
    assert response.status_code == 200
    assert peer == ("127.0.0.1", receiver.port)
    assert receiver.requests == [("/hook", f"receiver.test:{receiver.port}")]
    assert calls == ["receiver.test"]


# Redirects ----------------------------------------------------------------------------------


def test_a_redirect_is_returned_as_is(receiver):
    canary = receiver.url(path="/canary")
    response = _run(
        _get(receiver.url("localhost", f"/redirect?to={canary}"), allowed_hosts=["localhost"])
    )
    assert response.status_code == 302
    assert response.headers["location"] == canary
    assert response.next_request is not None  # httpx knows where it points, and stayed
    assert [path for path, _ in receiver.requests] == [f"/redirect?to={canary}"]


@pytest.mark.parametrize(
    "target",
    ["http://127.0.0.1:{port}/canary", "http://169.254.169.254/latest/meta-data/"],
)
def test_a_redirect_followed_on_request_is_still_guarded(receiver, target):
    """Were a caller to ask for redirects, each hop goes through the same check."""
    target = target.format(port=receiver.port)
    refused = _blocked(
        receiver.url("localhost", f"/redirect?to={target}"),
        allowed_hosts=["localhost"],
        follow_redirects=True,
    )
    assert refused.address == urlsplit(target).hostname
    assert [path for path, _ in receiver.requests] == [f"/redirect?to={target}"]


# No DNS-rebinding gap: the connection goes to the checked address ---------------------------


class _Recording(httpcore.AsyncNetworkBackend):
    """The real backend, connecting every socket to the receiver while recording where it
    was asked to connect (so a "public" address can stand in for a real server)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.asked: list[tuple[str, int]] = []
        self._real = httpcore.AnyIOBackend()

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        self.asked.append((host, port))
        return await self._real.connect_tcp("127.0.0.1", self.port, timeout=timeout)

    async def sleep(self, seconds):
        await self._real.sleep(seconds)


def test_the_connection_goes_to_the_checked_address_not_a_second_answer(receiver, monkeypatch):
    """A rebinding name answers a public address first and loopback after: the public one is
    checked and connected to by address (the socket layer never looks the name up again);
    the next connection looks it up again, and the loopback answer is refused."""
    calls = _resolving(monkeypatch, {"rebind.test": [["93.184.216.34"], ["127.0.0.1"]]})
    recording = _Recording(receiver.port)

    async def go():
        transport = GuardedTransport(allowed_hosts=(), backend=recording)
        async with httpx.AsyncClient(transport=transport, timeout=5.0) as client:
            first = await client.get(receiver.url("rebind.test"))
        transport = GuardedTransport(allowed_hosts=(), backend=recording)
        async with httpx.AsyncClient(transport=transport, timeout=5.0) as client:
            with pytest.raises(BlockedAddress) as second:
                await client.get(receiver.url("rebind.test"))
        return first, second.value

    first, second = _run(go())
    assert first.status_code == 200
    assert recording.asked == [("93.184.216.34", receiver.port)]  # the checked address
    assert receiver.requests == [("/hook", f"rebind.test:{receiver.port}")]  # Host kept
    assert calls == ["rebind.test", "rebind.test"]  # one lookup per connection, no more
    assert (second.address, second.reason) == ("127.0.0.1", "loopback")
    assert receiver.connections == 1


def test_a_pooled_connection_is_reused_without_a_new_lookup(monkeypatch):
    calls = _resolving(monkeypatch, {"receiver.test": [["127.0.0.1"]]})

    async def go(receiver):
        async with guarded_client(allowed_hosts=["receiver.test"]) as client:
            for _ in range(3):
                assert (await client.get(receiver.url("receiver.test"))).status_code == 200

    # HTTP/1.1 keep-alive on the receiver for this one
    _Handler.protocol_version = "HTTP/1.1"
    try:
        for receiver in _serve():
            _run(go(receiver))
            assert receiver.connections == 1 and len(receiver.requests) == 3
    finally:
        _Handler.protocol_version = "HTTP/1.0"
    assert calls == ["receiver.test"]


def test_each_checked_address_is_tried_in_turn(receiver, monkeypatch):
    """A name with two addresses, the first unreachable: the second (also checked) is used."""
    _resolving(monkeypatch, {"receiver.test": [["127.0.0.1", "127.0.0.1"]]})
    unused = socket.socket()
    unused.bind(("127.0.0.1", 0))
    closed_port = unused.getsockname()[1]
    unused.close()

    class _FirstRefuses(httpcore.AsyncNetworkBackend):
        def __init__(self):
            self.real = httpcore.AnyIOBackend()
            self.tries = 0

        async def connect_tcp(self, host, port, timeout=None, **kwargs):
            self.tries += 1
            target = closed_port if self.tries == 1 else receiver.port
            return await self.real.connect_tcp(host, target, timeout=timeout)

        async def sleep(self, seconds):
            await self.real.sleep(seconds)

    backend = _FirstRefuses()

    async def go():
        transport = GuardedTransport(allowed_hosts=["receiver.test"], backend=backend)
        async with httpx.AsyncClient(transport=transport) as client:
            return await client.get(receiver.url("receiver.test"))

    assert _run(go()).status_code == 200
    assert backend.tries == 2


# TLS: SNI and the certificate check stay on the URL's host name -----------------------------


def _certificates(name: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context with a certificate for `name` from a throwaway CA, and a client
    context that trusts that CA only."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)

    def build(subject, issuer, key, signer, *, ca, sans=()):
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if sans:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(n) for n in sans]), critical=False
            )
        return builder.sign(signer, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = build("Portal test CA", "Portal test CA", ca_key, ca_key, ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = build(name, "Portal test CA", key, ca_key, ca=False, sans=[name])

    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    pem = leaf.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    server.load_cert_chain(*_files(pem, key_pem))
    client = ssl.create_default_context(cadata=ca.public_bytes(serialization.Encoding.PEM).decode())
    return server, client


def _files(cert: bytes, key: bytes) -> tuple[str, str]:
    import tempfile

    paths = []
    for content in (cert, key):
        with tempfile.NamedTemporaryFile("wb", suffix=".pem", delete=False) as handle:
            handle.write(content)
            paths.append(handle.name)
    return paths[0], paths[1]


def test_tls_keeps_sni_and_the_certificate_check_on_the_host_name(monkeypatch):
    server_tls, client_tls = _certificates("hooks.test")
    _resolving(monkeypatch, {"hooks.test": [["127.0.0.1"]], "other.test": [["127.0.0.1"]]})
    for receiver in _serve(server_tls):
        url = receiver.url("hooks.test", scheme="https")

        async def go(url=url):
            async with guarded_client(
                allowed_hosts=["hooks.test", "other.test"], verify=client_tls
            ) as client:
                ok = await client.get(url)
                with pytest.raises(httpx.ConnectError) as mismatch:
                    await client.get(url.replace("hooks.test", "other.test"))
                return ok, mismatch.value

        ok, mismatch = _run(go())
        assert ok.status_code == 200
        assert receiver.requests == [("/hook", f"hooks.test:{receiver.port}")]
        assert receiver.server_names[:2] == ["hooks.test", "other.test"]
        # the certificate is for hooks.test: other.test, on the same address, is refused
        assert not isinstance(mismatch, BlockedAddress)
        assert "certificate" in str(mismatch).lower() or "hostname" in str(mismatch).lower()


# The client's settings ----------------------------------------------------------------------


def test_the_client_follows_no_redirect_and_ignores_proxy_settings(receiver, monkeypatch):
    """A proxy from the environment would connect to the target for us, unchecked."""
    for variable in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(variable, "http://10.255.255.1:3128")
    client = guarded_client(allowed_hosts=["127.0.0.1"])
    assert client.follow_redirects is False and client.timeout.connect == 15.0
    assert isinstance(client._transport, GuardedTransport)  # what it sends with
    assert client._mounts == {}  # no proxy transport picked up
    response = _run(_get(receiver.url(), allowed_hosts=["127.0.0.1"]))
    assert response.status_code == 200


def test_unix_sockets_are_refused():
    backend = GuardedBackend(allowed_hosts=["localhost"])
    with pytest.raises(httpcore.ConnectError):
        _run(backend.connect_unix_socket("/tmp/portal.sock"))  # noqa: S108 - never opened


def test_the_attempt_log_names_what_the_guard_refused():
    from portal.domain.webhooks import FailureCause, Outcome, classify

    blocked = classify(BlockedAddress("hooks.example", "10.0.0.7", "private"))
    assert (blocked.outcome, blocked.cause) == (Outcome.FAILURE, FailureCause.BLOCKED)
    assert "10.0.0.7" in blocked.error
    unresolved = classify(UnresolvableHost("nowhere.example", "no address"))
    assert unresolved.cause == FailureCause.DNS


def test_a_busy_client_spreads_over_its_pools_and_gives_each_place_back():
    import time as clock

    from tests.workers.receiver import Receiver

    def slowly(request):
        clock.sleep(0.05)
        return (200, {}, b"ok")

    async def burst(url: str):
        async with guarded_client(allowed_hosts=["127.0.0.1"], max_connections=8) as http:
            pool = http._transport._pool
            answers = await asyncio.gather(*(http.post(url, content=b"{}") for _ in range(24)))
            return pool, [a.status_code for a in answers]

    with Receiver() as receiver:
        receiver.answer(slowly)
        pool, codes = _run(burst(receiver.url + "/hooks"))
    assert codes == [200] * 24
    assert len(pool.pools) == 8 and sum(pool._room) == 8  # one limit in all
    assert pool._busy == [0] * 8  # every response closed gave its place back

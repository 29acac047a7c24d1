"""The delivery client's SSRF guard (issue 11, item 5): an httpx client that reaches public
addresses only, checked when it connects.

    async with guarded_client(allowed_hosts=get_settings().webhook_allowed_hosts) as client:
        response = await client.post(endpoint.url, content=body, headers=signed_headers)

How. The check sits in httpcore's network backend, the one place every new connection goes
through (`GuardedBackend.connect_tcp`): it resolves the host itself (the event loop's
getaddrinfo), refuses the connection if ANY address the name resolves to is not public
(portal/domain/network.py says which are not), and then opens the socket to an address it
checked: no second lookup happens, so a DNS answer that changes between the check and the
connect (DNS rebinding) cannot slip a private address in. Everything above the socket is
untouched: the connection pool is keyed by the URL's host, the Host header is the URL's, and
TLS sends the URL's host name as SNI and checks the certificate against it. (Rewriting the
URL to the address and passing the `sni_hostname` request extension would do the same per
request, but then pooled connections would be keyed by address, shared between host names,
and every request would resolve again even when a pooled connection is there.)

- A refused connection raises `BlockedAddress` (an `httpx.ConnectError`: the request never
  left), naming the host, the address and why; a name that does not resolve raises
  `UnresolvableHost` (also an `httpx.ConnectError`). The delivery worker records either as the
  attempt's error class.
- Hosts in the operator's allowlist (PORTAL_WEBHOOK_ALLOWED_HOSTS, matched exactly after
  domain.network.host_key) skip the address check; they are still resolved once and connected
  to by address.
- `guarded_client` follows no redirect (`follow_redirects=False`: a 3xx is the endpoint's
  answer, recorded as a failure). A caller that asks for redirects anyway still goes through
  the same check for each hop.
- `trust_env=False`: no proxy from HTTP(S)_PROXY / ALL_PROXY (a proxy would connect to the
  target on Portal's behalf, unchecked) and no credentials from ~/.netrc. SSL_CERT_FILE /
  SSL_CERT_DIR are still honoured for the certificate authorities.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import socket
import ssl
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import httpcore
import httpx

from portal.domain.network import blocked_reason, host_key
from portal.domain.webhooks import FailureCause
from portal.services.webhook_urls import allowed_host_keys

DEFAULT_TIMEOUT = 15.0
DEFAULT_MAX_CONNECTIONS = 100

Resolver = Callable[[str, int], Awaitable[list[str]]]


class BlockedAddress(httpx.ConnectError):
    """A connection the guard refused: `host` is (or resolves to) `address`, which is not
    public for `reason` ("loopback", "private", ...). Nothing was sent."""

    failure_cause = FailureCause.BLOCKED  # what the attempt log calls it (domain/webhooks.py)

    def __init__(self, host: str, address: str, reason: str) -> None:
        self.host = host
        self.address = address
        self.reason = reason
        if host_key(host) == host_key(address):
            message = f"{address} is not a public address ({reason})"
        else:
            message = f"{host} resolves to {address}, which is not a public address ({reason})"
        super().__init__(message + ": webhooks go only to public addresses")


class UnresolvableHost(httpx.ConnectError):
    """The host name has no address (NXDOMAIN, no A/AAAA record, the resolver failed)."""

    failure_cause = FailureCause.DNS

    def __init__(self, host: str, detail: str) -> None:
        self.host = host
        super().__init__(f"{host} does not resolve: {detail}")


async def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to, in the resolver's order, once each."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[str] = []
    for family, _type, _proto, _name, sockaddr in infos:
        if family in (socket.AF_INET, socket.AF_INET6) and sockaddr[0] not in addresses:
            addresses.append(str(sockaddr[0]))
    return addresses


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend with the guard in front of every TCP connect."""

    def __init__(
        self,
        *,
        allowed_hosts: Iterable[str] = (),
        resolver: Resolver | None = None,
        backend: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self.allowed = allowed_host_keys(allowed_hosts)
        self._resolver = resolver
        self._backend = backend or httpcore.AnyIOBackend()

    async def checked_addresses(self, host: str, port: int, timeout: float | None) -> list[str]:
        """The addresses to connect to; BlockedAddress if any is not public."""
        resolver = self._resolver or resolve  # looked up per call: tests replace `resolve`
        try:
            async with asyncio.timeout(timeout):
                addresses = list(await resolver(host, port))
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"resolving {host} took over {timeout} s") from None
        except OSError as exc:  # socket.gaierror
            raise UnresolvableHost(host, exc.strerror or str(exc)) from None
        if not addresses:
            raise UnresolvableHost(host, "no address")
        if host_key(host) in self.allowed:
            return addresses
        for address in addresses:
            try:
                ip = ipaddress.ip_address(address)
            except ValueError:
                raise BlockedAddress(host, address, "not an IP address") from None
            reason = blocked_reason(ip)
            if reason is not None:
                raise BlockedAddress(host, address, reason)
        return addresses

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        deadline = None if timeout is None else time.monotonic() + timeout
        addresses = await self.checked_addresses(host, port, timeout)
        failure: Exception | None = None
        for address in addresses:  # each one checked above; the next if one refuses
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise httpcore.ConnectTimeout(f"connecting to {host} took over {timeout} s")
            try:
                return await self._backend.connect_tcp(
                    address,
                    port,
                    timeout=left,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectError as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("webhooks are not delivered over unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


@functools.cache
def _ssl_context(verify: bool) -> ssl.SSLContext:
    """The system's trust store (or SSL_CERT_FILE's), read once per process: each context
    loads the whole CA bundle (~10 ms of CPU), and the delivery worker makes a client a round."""
    return httpx.create_ssl_context(verify=verify)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport on a connection pool whose every connect goes through the guard."""

    def __init__(
        self,
        *,
        allowed_hosts: Iterable[str] = (),
        verify: ssl.SSLContext | bool = True,
        limits: httpx.Limits | None = None,
        resolver: Resolver | None = None,
        backend: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        limits = limits or httpx.Limits(
            max_connections=DEFAULT_MAX_CONNECTIONS,
            max_keepalive_connections=DEFAULT_MAX_CONNECTIONS,
        )
        ssl_context = verify if isinstance(verify, ssl.SSLContext) else _ssl_context(verify)
        super().__init__(verify=ssl_context, trust_env=False, limits=limits)
        self.backend = GuardedBackend(
            allowed_hosts=allowed_hosts, resolver=resolver, backend=backend
        )
        # httpx's transport sends everything through `self._pool` and offers no parameter
        # for its network backend, so the pool is made again with ours (the same settings
        # httpx gives it, httpx and httpcore pinned in pyproject.toml);
        # tests/workers/test_guarded_http.py fails if a request ever bypasses it.
        total = limits.max_connections or DEFAULT_MAX_CONNECTIONS
        shards = max(1, min(POOL_SHARDS, total))
        room = [_share(total, shards, shard) for shard in range(shards)]
        self._pool = _ShardedPool(
            [
                httpcore.AsyncConnectionPool(
                    ssl_context=ssl_context,
                    max_connections=size,
                    max_keepalive_connections=size,
                    keepalive_expiry=limits.keepalive_expiry,
                    network_backend=self.backend,
                )
                for size in room
            ],
            room,
        )


# httpcore's pool does work per request that grows with its connections: on this machine one
# pool of 100 connections made 163 requests/s on loopback, 50 pools of 2 made 766/s. The
# transport spreads requests over up to POOL_SHARDS pools (one client, one limit in all).
POOL_SHARDS = 25


def _share(total: int, shards: int, shard: int) -> int:
    """Shard `shard`'s part of `total` connections."""
    return total // shards + (1 if shard < total % shards else 0)


class _ShardedPool:
    """Several httpcore pools behind one. A request goes to the first pool with room, so a
    quiet worker keeps reusing the first pool's connections and a busy one spreads out; a
    request counts against its pool until its response is closed."""

    def __init__(self, pools: list[httpcore.AsyncConnectionPool], room: list[int]) -> None:
        self.pools = pools
        self._room = room  # each pool's connections
        self._busy = [0] * len(pools)

    def _pick(self) -> int:
        for index, busy in enumerate(self._busy):
            if busy < self._room[index]:
                return index
        return min(range(len(self.pools)), key=self._busy.__getitem__)

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        index = self._pick()
        self._busy[index] += 1
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                self._busy[index] -= 1

        try:
            response = await self.pools[index].handle_async_request(request)
        except BaseException:
            release()
            raise
        response.stream = _ReleasingStream(response.stream, release)
        return response

    async def aclose(self) -> None:
        for pool in self.pools:
            await pool.aclose()

    async def __aenter__(self) -> _ShardedPool:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.aclose()


class _ReleasingStream:
    """A response body that gives its pool's place back when closed."""

    def __init__(self, stream: Any, release: Callable[[], None]) -> None:
        self._stream = stream
        self._release = release

    async def __aiter__(self):
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            if hasattr(self._stream, "aclose"):
                await self._stream.aclose()
        finally:
            self._release()


def guarded_client(
    *,
    allowed_hosts: Iterable[str],
    timeout: float = DEFAULT_TIMEOUT,
    max_connections: int = DEFAULT_MAX_CONNECTIONS,
    verify: ssl.SSLContext | bool = True,
) -> httpx.AsyncClient:
    """The one async client deliveries go through: guarded, pooled, no redirects, no proxy."""
    transport = GuardedTransport(
        allowed_hosts=allowed_hosts,
        verify=verify,
        limits=httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        ),
    )
    return httpx.AsyncClient(
        transport=transport, timeout=timeout, follow_redirects=False, trust_env=False
    )

"""One keep-alive connection pool per region (shell), on the lean HTTP/1.1 client (h1client).

Nothing is decompressed (bytes pass through untouched), no cookies are kept (tenants must not
share state through the gateway) and no headers are added beyond Host and body framing.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import itertools
import socket
import ssl

from yarl import URL

from residency_gateway.gateway.h1client import Base, Pool, UpstreamError
from residency_gateway.regionmap.schema import Limits, Region


def ssl_context(region: Region) -> ssl.SSLContext:
    tls = region.tls
    ctx = ssl.create_default_context(cafile=tls.ca_file)
    if not tls.verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if tls.client_cert and tls.client_key:
        ctx.load_cert_chain(tls.client_cert, tls.client_key)
    return ctx


def tls_files(regions: dict[str, Region]) -> tuple[tuple[str, str, str], ...]:
    """(region, path, sha256 of its content) of every TLS file a region's pool reads when
    it is built (CA bundle, client certificate and key). A reload that keeps the map's
    regions used to keep the pools, so a client certificate renewed in place at the same
    paths (cert-manager, an Ansible run) was never read again: "reloaded" was logged while
    mainland requests failed until a restart (bad-day round 13). The pools are rebuilt on a
    reload when this changes. A file that cannot be read is recorded as such: building the
    new pool then fails the reload with the reason, and the pools in force stay."""
    out = []
    for rid, region in sorted(regions.items()):
        if not any(u.startswith("https://") for u in region.upstreams):
            continue
        tls = region.tls
        for path in (tls.ca_file, tls.client_cert, tls.client_key):
            if not path:
                continue
            try:
                with open(path, "rb") as fh:
                    digest = hashlib.sha256(fh.read(MAX_TLS_FILE_BYTES + 1)).hexdigest()
            except OSError as exc:
                digest = f"unreadable: {exc.strerror or exc}"
            out.append((rid, str(path), digest))
    return tuple(out)


MAX_TLS_FILE_BYTES = 16 << 20  # (a CA bundle is well under 1 MiB)


class RegionPool:
    def __init__(self, region_id: str, region: Region, limits: Limits):
        self.region_id = region_id
        self.region = region
        self.urls = list(region.upstreams)
        self.server_hostname = region.tls.server_hostname
        needs_tls = any(u.startswith("https://") for u in self.urls)
        self.client = Pool(self.urls, ssl_context(region) if needs_tls else None,
                           self.server_hostname, limits.connect_timeout_s,
                           limits.read_timeout_s,
                           per_base=limits.upstream_connections_per_base,
                           per_region=limits.upstream_connections_per_region)
        self.bases = self.client.bases
        self._next = itertools.cycle(range(len(self.bases)))
        self.healthy: dict[str, bool] = {}

    def order(self) -> list[Base]:
        """The region's upstreams in round-robin order, those known to be down last."""
        start = next(self._next)
        rotated = self.bases[start:] + self.bases[:start]
        if not self.healthy:
            return rotated
        return sorted(rotated, key=lambda b: self.healthy.get(b.url) is False)

    @property
    def up(self) -> bool:
        return any(self.healthy.get(u) for u in self.urls)

    async def probe(self, timeout: float = 2.0) -> bool:  # noqa: ASYNC109 - per-probe bound
        """Can this region take traffic? GET its health path (2xx) when the map names one,
        else a TCP connect, to each upstream."""
        for url in self.urls:
            self.healthy[url] = await (self._http_probe(url, timeout) if self.region.health_path
                                       else self._tcp_probe(url, timeout))
        return self.up

    async def _http_probe(self, url: str, timeout: float) -> bool:  # noqa: ASYNC109
        try:
            async with asyncio.timeout(timeout):
                status = await self.client.get_status(self.client.by_url[url],
                                                      self.region.health_path or "/")
                return 200 <= status < 300
        except (UpstreamError, OSError, TimeoutError):
            return False

    @staticmethod
    async def _tcp_probe(url: str, timeout: float) -> bool:  # noqa: ASYNC109
        parsed = URL(url)
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                # Resolved in a thread first: a probe cancelled while the name is looked up
                # (shutdown, timeout) then leaves no failed lookup behind for the loop to
                # report as "never retrieved" (uvloop resolves inside create_connection).
                infos = await loop.run_in_executor(None, functools.partial(
                    socket.getaddrinfo, parsed.host, port, type=socket.SOCK_STREAM))
                family, _, _, _, address = infos[0]
                _, writer = await asyncio.open_connection(str(address[0]), port, family=family)
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
            return True
        except (OSError, TimeoutError):
            return False

    async def close(self) -> None:
        await self.client.close()


class Upstreams:
    def __init__(self, regions: dict[str, Region], limits: Limits):
        self.tls_files = tls_files(regions)  # (before the pools read them: see tls_files)
        self.pools = {rid: RegionPool(rid, region, limits) for rid, region in regions.items()}

    def __getitem__(self, region_id: str) -> RegionPool:
        return self.pools[region_id]

    async def probe(self) -> dict[str, bool]:
        results = await asyncio.gather(*(p.probe() for p in self.pools.values()))
        return dict(zip(self.pools, results, strict=True))

    async def close(self) -> None:
        for pool in self.pools.values():
            await pool.close()

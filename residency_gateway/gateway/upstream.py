"""One pooled keep-alive ClientSession per region (shell).

Sessions never decompress (bytes pass through untouched), never keep cookies (tenants must not
share state through the gateway) and add no headers of their own.
"""

from __future__ import annotations

import itertools
import ssl

import aiohttp

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


class RegionPool:
    def __init__(self, region_id: str, region: Region, limits: Limits):
        self.region_id = region_id
        self.region = region
        self.urls = list(region.upstreams)
        self.server_hostname = region.tls.server_hostname
        needs_tls = any(u.startswith("https://") for u in self.urls)
        connector = aiohttp.TCPConnector(
            limit=256, limit_per_host=128, keepalive_timeout=30,
            ssl=ssl_context(region) if needs_tls else False, enable_cleanup_closed=False)
        self.session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(total=None, connect=limits.connect_timeout_s,
                                          sock_connect=limits.connect_timeout_s,
                                          sock_read=limits.read_timeout_s),
            auto_decompress=False,
            cookie_jar=aiohttp.DummyCookieJar(),
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
            trust_env=False,
        )
        self._next = itertools.cycle(range(len(self.urls)))

    def order(self) -> list[str]:
        """The region's upstreams, starting from the next in round-robin order."""
        start = next(self._next)
        return self.urls[start:] + self.urls[:start]

    async def close(self) -> None:
        await self.session.close()


class Upstreams:
    def __init__(self, regions: dict[str, Region], limits: Limits):
        self.pools = {rid: RegionPool(rid, region, limits) for rid, region in regions.items()}

    def __getitem__(self, region_id: str) -> RegionPool:
        return self.pools[region_id]

    async def close(self) -> None:
        for pool in self.pools.values():
            await pool.close()

"""Shared test builders: region maps, GeoIP databases, ID numbers. No mocks of the request path."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import itertools
import os
import socket
import time
from pathlib import Path
from typing import Any

import yaml

from residency_gateway.cli.demo import build_geoip, demo_file
from residency_gateway.core.idnumber import check_character
from residency_gateway.core.policy import RequestFacts, decide
from residency_gateway.core.values import Decision, GeoAnswer
from residency_gateway.regionmap.load import LoadedMap, from_mapping

NOW = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)

# name -> (address, jurisdiction the demo GeoIP gives it)
ADDR = {
    "CN": "192.0.2.10", "HK": "192.0.2.200", "SG": "198.51.100.10", "ID": "198.51.100.70",
    "JP": "198.51.100.130", "TW": "198.51.100.200", "US": "203.0.113.140",
    "NONE": "203.0.113.9", "CN6": "2001:db8:86::1", "JP6": "2001:db8:81::5",
}

BASE_MAP: dict[str, Any] = {
    "version": 1,
    "regions": {
        "cn": {"jurisdiction": "CN", "upstreams": ["https://cn.example.test"]},
        "cn2": {"jurisdiction": "CN", "upstreams": ["https://cn2.example.test"]},
        "sg": {"jurisdiction": "SG", "upstreams": ["https://sg.example.test"]},
        "id": {"jurisdiction": "ID", "upstreams": ["https://id.example.test"]},
        "jp": {"jurisdiction": "JP", "upstreams": ["https://jp.example.test"]},
    },
    "tenants": {
        "acme": {"overseas_region": "sg", "china_region": "cn", "fallbacks": ["jp", "cn2"],
                 "legal_bases": {"*": {"mechanism": "contract", "reference": "DPA-1"}}},
        "bank": {"overseas_region": "sg", "china_region": "cn", "pins": {"ID": "id"},
                 "fallbacks": ["jp"],
                 "legal_bases": {"*": {"mechanism": "contract", "reference": "DPA-2"}}},
        "nobasis": {"overseas_region": "jp", "china_region": "cn"},
        "lenient": {"overseas_region": "sg", "china_region": "cn", "unknown_origin": "overseas",
                    "legal_bases": {"*": {"mechanism": "consent", "reference": "notice v3"}}},
        "keyed": {"overseas_region": "sg", "china_region": "cn",
                  "api_key_sha256": [
                      # sha256("key-keyed-1")
                      "c6c730cb6980551952e7c200fcbb29c477bcbd1459d3f8b91e9dff08923e168f"],
                  "legal_bases": {"*": {"mechanism": "contract", "reference": "DPA-3"}}},
    },
    "cidr_overrides": [{"network": "203.0.113.200/29", "jurisdiction": "CN"},
                       {"network": "127.0.0.2/32", "jurisdiction": "SG"}],
    "trusted_proxies": ["127.0.0.1/32", "::1/128", "10.0.0.0/8"],
}


# Real media starts: a signature followed by binary data (what the gateway streams uninspected).
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(range(256)) * 16
MP4 = (b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2avc1mp41"
       + bytes(range(256)) * 16)


def resident_id(born: dt.date, area: str = "110101", seq: str = "123") -> str:
    first17 = f"{area}{born:%Y%m%d}{seq}"
    return first17 + check_character(first17)


ADULT_ID = resident_id(dt.date(1990, 3, 7))
CHILD_ID = resident_id(dt.date(2018, 6, 1))
CN_MOBILE = "+86 139 1234 5678"


def region_map(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE_MAP)
    data.update(changes)
    return data


def loaded(data: dict[str, Any] | None = None) -> LoadedMap:
    return from_mapping(data if data is not None else region_map())


def write_map(path: Path, data: dict[str, Any]) -> Path:
    """`data` written as a map file dated a second back, as a deployed map is: a start or a
    reload waits SETTLE_WINDOW_S for a file modified just now (see gateway/runtime.py), which
    the tests that are about that write fresh files for. (Each write still gets its own
    mtime: the watcher sees every change.)"""
    path.write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
    back = time.time_ns() - 1_000_000_000
    os.utime(path, ns=(back, back))
    return path


def demo_geo(tmp: Path) -> Path:
    return build_geoip(demo_file("demo-networks.csv"), tmp / "test-country.mmdb")


def table_geo(address: str) -> GeoAnswer:
    """The demo networks as a pure function, for core tests (the functional tests use the MMDB)."""
    import ipaddress

    table = {
        "192.0.2.0/25": "CN", "192.0.2.128/25": "HK", "198.51.100.0/26": "SG",
        "198.51.100.64/26": "ID", "198.51.100.128/26": "JP", "198.51.100.192/26": "TW",
        "203.0.113.128/25": "US", "2001:db8:86::/48": "CN", "2001:db8:81::/48": "JP",
    }
    ip = ipaddress.ip_address(address)
    for net, country in table.items():
        n = ipaddress.ip_network(net)
        if ip.version == n.version and ip in n:
            return GeoAnswer(country, network=net)
    return GeoAnswer(None)


def decide_for(lm: LoadedMap, *, peer: str = "127.0.0.1", xff: str | None = None,
               tenant: str | None = "acme", headers: dict[str, str] | None = None,
               payload: Any = None, now: dt.datetime = NOW, path: str = "/v1/compare") -> Decision:
    from residency_gateway.core.values import NOT_INSPECTED

    hdrs: list[tuple[str, str]] = []
    if xff is not None:
        hdrs.append(("x-forwarded-for", xff))
    if tenant is not None:
        hdrs.append(("x-tenant-id", tenant))
    for k, v in (headers or {}).items():
        hdrs.append((k.lower(), v))
    facts = RequestFacts(peer=peer, headers=tuple(hdrs), path=path,
                         payload=payload if payload is not None else NOT_INSPECTED)
    return decide(facts, lm.rmap, lm.version, table_geo, now, "d-test")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def metric_value(text: str, name: str, **labels: str) -> float:
    """The value of one sample in a Prometheus exposition; fails if the sample is absent, so a
    renamed or never-registered metric cannot pass as "not 0" or "present"."""
    from prometheus_client.parser import text_string_to_metric_families

    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
    raise AssertionError(f"no sample {name}{labels} in the metrics")


async def act_as_load_balancer(admin_url: str, stopped: Any) -> None:
    """What a load balancer does with /readyz: poll it every 50 ms and set `stopped` (an
    asyncio.Event) at the first answer that is not 200 or the first failure."""
    import asyncio

    import aiohttp

    async with aiohttp.ClientSession() as s:
        while not stopped.is_set():
            try:
                async with s.get(admin_url + "/readyz") as r:
                    if r.status != 200:
                        stopped.set()
            except aiohttp.ClientError:
                stopped.set()
            await asyncio.sleep(0.05)


# Ports for servers a test starts by number (a gateway child process, nginx): each pytest
# process takes them from a range of its own below the kernel's ephemeral range (32768-60999
# here), so neither another xdist worker nor the kernel (a bind to port 0, an outgoing
# connection) hands the same port out between free_port() and the server's bind.
_PORT_SPAN = 3000
_PORT_FIRST = 20000
_port_turn = itertools.count()


def free_port() -> int:
    """A loopback TCP port nothing listens on now, from this process's own range (one per
    xdist worker, 20000-31999); past four workers, one the kernel picks."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    index = int(worker[2:]) + 1 if worker.startswith("gw") and worker[2:].isdigit() else 0
    if index < 4:
        first = _PORT_FIRST + index * _PORT_SPAN
        for _ in range(_PORT_SPAN):
            port = first + next(_port_turn) % _PORT_SPAN
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    continue  # in use (or in TIME_WAIT): the next one
                return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])

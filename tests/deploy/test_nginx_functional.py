"""A real nginx (the distribution's package, started here) in front of a real gateway: client
addresses and routing come through the way the trusted-proxy setting expects."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import free_port
from tests.helpers import MP4, sha256

ROOT = Path(__file__).parents[2]


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists()
                                      else None)
    if found is None:
        pytest.fail("nginx is not installed: run scripts/test-services.sh (make test does)")
    return found


@pytest.fixture
async def nginx(tmp_path, make_gateway, processes):
    def edit(m):
        m["trusted_proxies"] = ["127.0.0.1/32"]  # nginx only
        m["cidr_overrides"] = [{"network": "127.0.0.2/32", "jurisdiction": "SG"},
                               {"network": "127.0.0.3/32", "jurisdiction": "CN"}]

    gw = await make_gateway(edit)
    prefix = tmp_path / "nginx"
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / sub).mkdir(parents=True)
    prefix.chmod(0o777)
    for p in prefix.iterdir():
        p.chmod(0o777)
    port = free_port()
    conf = (ROOT / "deploy" / "lb" / "nginx.conf").read_text()
    conf = (conf.replace("@LISTEN@", f"127.0.0.1:{port}")
            .replace("@GATEWAY@", f"127.0.0.1:{gw.running.proxy_port}")
            .replace("@PREFIX@", str(prefix)))
    (prefix / "nginx.conf").write_text(conf)
    test = subprocess.run([nginx_binary(), "-t", "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
                          capture_output=True, text=True, check=False, timeout=120)
    assert test.returncode == 0, test.stderr
    proc = processes.popen([nginx_binary(), "-p", str(prefix), "-c", str(prefix / "nginx.conf"),
                             "-g", "daemon off;"], stderr=subprocess.PIPE)
    for _ in range(100):
        try:
            _, w = await asyncio.open_connection("127.0.0.1", port)
            w.close()
            await w.wait_closed()
            break
        except OSError:
            assert proc.poll() is None, f"nginx exited with {proc.returncode}"
            await asyncio.sleep(0.05)
    else:
        raise AssertionError("nginx never listened")
    yield f"http://127.0.0.1:{port}", gw
    proc.terminate()  # master and workers; `processes` kills the group if they do not stop
    proc.wait(timeout=10)


async def post_from(local: str, url: str, headers: dict[str, str], body: bytes = b"{}"):
    conn = aiohttp.TCPConnector(local_addr=(local, 0))
    async with aiohttp.ClientSession(connector=conn) as s:
        async with s.post(url + "/v1/compare", data=body, headers={
                "Content-Type": "application/json", **headers}) as r:
            return r.status, dict(r.headers), await r.json()


KEY = {"X-Api-Key": "key-keyed-1"}


async def test_client_address_through_nginx_decides_the_route(nginx, backends):
    url, gw = nginx
    status, headers, body = await post_from("127.0.0.3", url, KEY)  # a "mainland" client
    assert (status, body["region"]) == (200, "cn")
    status, headers, body = await post_from("127.0.0.2", url, KEY)  # a "Singapore" client
    assert (status, body["region"]) == (200, "sg")
    [req] = backends["sg"].requests
    assert req["headers"]["X-Forwarded-For"] == "127.0.0.2, 127.0.0.1"
    decisions = [r for r in gw.records() if r["type"] == "decision"]
    assert [d["origin"]["signals"][0]["kind"] for d in decisions] == ["cidr_override"] * 2
    assert all(d["origin"]["via_trusted_proxy"] for d in decisions)


async def test_forged_headers_do_not_pass_through_nginx(nginx, backends):
    url, gw = nginx
    # a Singapore client claims a mainland address and another tenant: neither works
    status, _, body = await post_from("127.0.0.2", url, {
        **KEY, "X-Forwarded-For": "192.0.2.10", "X-Tenant-ID": "acme",
        "X-Residency-Origin": "CN"})
    assert (status, body["region"]) == (200, "sg")
    decision = [r for r in gw.records() if r["type"] == "decision"][-1]
    assert decision["tenant"] == "keyed"
    assert decision["origin"]["client_prefix"] == "127.0.0.0/24"
    assert backends["sg"].requests[0]["headers"]["X-Residency-Origin"] == "SG"
    # nginx appends the client's address to what it wrote; only that address and nginx's reach
    # the upstream, not the client's own words left of it
    assert backends["sg"].requests[0]["headers"]["X-Forwarded-For"] == "127.0.0.2, 127.0.0.1"


async def test_large_upload_streams_through_nginx_and_gateway(nginx, backends):
    url, _ = nginx
    conn = aiohttp.TCPConnector(local_addr=("127.0.0.2", 0))
    async with aiohttp.ClientSession(connector=conn) as s:
        # a real MP4 start (so it streams as media), then random data
        first = MP4 + os.urandom(1024 * 1024 - len(MP4))
        blocks = [first, *(os.urandom(1024 * 1024) for _ in range(19))]

        async def video():
            for block in blocks:
                yield block

        async with s.post(url + "/v1/liveness", data=video(),
                          headers={**KEY, "Content-Type": "video/mp4"}) as r:
            assert r.status == 200
            assert (await r.json())["sha256"] == sha256(b"".join(blocks))

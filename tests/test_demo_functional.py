"""`residency-gateway demo` (what `make run` starts) works and its curl commands tell the truth."""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.helpers import BASE_MAP, write_map


def curl_to_request(line: str) -> tuple[str, dict[str, str], bytes]:
    args = shlex.split(line)
    url = next(a for a in args if a.startswith("http://"))
    headers = {}
    body = b""
    for i, a in enumerate(args):
        if a == "-H":
            name, _, value = args[i + 1].partition(":")
            headers[name.strip()] = value.strip()
        if a == "-d":
            body = args[i + 1].encode()
    return url, headers, body


async def test_demo_starts_and_its_printed_commands_do_what_they_say(tmp_path, processes):
    port, admin = 0, 0  # the kernel picks: no race with other tests for a "free" port
    proc = processes.popen(
        [sys.executable, "-m", "residency_gateway", "demo", "--port", str(port),
         "--admin-port", str(admin), "--workdir", str(tmp_path / "demo")],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={**os.environ, "RG_LOG_FORMAT": "json"})
    try:
        assert proc.stdout is not None
        lines: list[str] = []
        while not any(line.startswith("Decision records") for line in lines):
            line = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), 30)
            assert line, "demo exited early"
            lines.append(line.strip())
        curls = [line for line in lines if line.startswith("curl -si ")]
        assert len(curls) == 7
        expected = ["cn", "sg", "sg", "cn", 451, "id", 451]
        async with aiohttp.ClientSession() as s:
            for line, want in zip(curls, expected, strict=True):
                url, headers, body = curl_to_request(line)
                async with s.post(url, data=body, headers=headers) as r:
                    got = (await r.json())
                    if isinstance(want, int):
                        assert r.status == want, line
                    else:
                        assert (r.status, got["served_by_region"]) == (200, want), line
        record_path = re.search(r"tail -n 4 (\S+)", "\n".join(lines))
        assert record_path and Path(record_path.group(1)).exists()
    finally:  # a clean stop is part of the test; `processes` kills it if it does not stop
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0


def _held_port() -> tuple[socket.socket, int]:
    held = socket.socket()
    held.bind(("127.0.0.1", 0))
    held.listen()
    return held, held.getsockname()[1]


@pytest.mark.parametrize(("which", "hint"), [("proxy", "--port (make run PORT=...)"),
                                             ("admin", "--admin-port (make run ADMIN_PORT=...)")])
def test_demo_on_a_port_in_use_says_so_in_one_line(tmp_path, processes, which, hint):
    """No traceback, no unclosed-session warnings: one line naming the port and the flag, exit 1."""
    held, port = _held_port()
    with held:
        ports = ["--port", str(port), "--admin-port", "0"] if which == "proxy" else \
            ["--port", "0", "--admin-port", str(port)]
        proc = processes.popen(
            [sys.executable, "-W", "always::ResourceWarning", "-m", "residency_gateway", "demo", *ports,
             "--workdir", str(tmp_path / "demo")],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1
    assert out == ""
    assert err.splitlines() == [f"residency-gateway demo: cannot listen on 127.0.0.1:{port} for "
                                f"the {'proxy' if which == 'proxy' else 'admin listener'}: "
                                f"address already in use; choose another with {hint}"]


@pytest.mark.parametrize(("which", "hint"), [("proxy", "--port / RG_LISTEN_PORT"),
                                             ("admin listener", "--admin-port / RG_ADMIN_PORT")])
def test_serve_on_a_port_in_use_says_so_in_one_line(tmp_path, processes, geo_db, which, hint):
    held, port = _held_port()
    map_path = write_map(tmp_path / "map.yaml", BASE_MAP)
    ports = ["--port", str(port), "--admin-port", "0"] if which == "proxy" else \
        ["--port", "0", "--admin-port", str(port), "--admin-host", "127.0.0.1"]
    with held:
        proc = processes.popen(
            [sys.executable, "-W", "always::ResourceWarning", "-m", "residency_gateway", "serve",
             "--config", str(map_path), "--geoip-db", str(geo_db), "--host", "127.0.0.1", *ports,
             "--data-dir", str(tmp_path / "var"), "--region", "cn"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1
    assert err.splitlines() == [f"residency-gateway: cannot listen on 127.0.0.1:{port} for the "
                                f"{which}: address already in use; choose another with {hint}"]


def test_make_run_takes_the_ports():
    """`make run PORT=... ADMIN_PORT=...` passes them to the demo."""
    out = subprocess.run(["make", "-n", "run", "PORT=18080", "ADMIN_PORT=19901"],
                         cwd=Path(__file__).parent.parent, capture_output=True, text=True,
                         check=True, timeout=60).stdout
    assert "residency-gateway demo --port 18080 --admin-port 19901" in out

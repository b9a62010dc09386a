"""`residency-gateway demo` (what `make run` starts) works and its curl commands tell the truth."""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp

from tests.conftest import free_port


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
    port, admin = free_port(), free_port()
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

"""The README's shell commands, run as a new user would run them after `make run`.

Every command in a ```sh block is either run here (from a directory laid out like the
repository root after the demo has written `demo-run/`) or skipped for a stated reason (by its
kind below, or a whole block preceded by `<!-- readme-test: skip (why) -->`); a command of an
unknown kind fails the test, so a new README command cannot go untested by accident.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp

from tests.test_demo_functional import curl_to_request

ROOT = Path(__file__).parent.parent
# First words of commands that run offline, against the demo directory.
RUN = {"residency-gateway", ".venv/bin/residency-gateway", "mkdir", "sed"}
# Commands that cannot run here, and why.
SKIP = {
    "make": "builds the virtualenv and runs the suite or the demo (this test runs the demo)",
    ".": "activates the virtualenv (the test puts its bin directory on PATH)",
    "serve": "runs until stopped (the functional tests start gateways)",
}


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text("utf-8")
    out = []
    blocks = re.finditer(r"^(<!-- readme-test: skip \(([^)]+)\) -->\n)?```sh\n(.*?)^```", text,
                         flags=re.S | re.M)
    for match in blocks:
        if match[1]:  # a block a test cannot run (several hosts): the comment says why
            continue
        block = match[3]
        command = ""
        for line in block.splitlines():
            if not command and (not line.strip() or line.lstrip().startswith("#")):
                continue  # an explanation of the command above
            command += line.rstrip()
            if command.endswith("\\"):
                command = command[:-1] + " "
                continue
            out.append(command.strip())
            command = ""
    return out


def kind(command: str) -> str:
    words = command.split()
    if len(words) > 1 and words[1] == "serve":
        return "serve"
    return words[0]


def test_every_readme_command_is_run_or_skipped_for_a_reason():
    commands = readme_commands()
    assert len(commands) > 10
    unknown = [c for c in commands if kind(c) not in RUN and kind(c) not in SKIP]
    assert unknown == [], "add these README commands to RUN or SKIP"


async def test_readme_commands_run_after_the_demo(tmp_path, processes):
    bin_dir = Path(sys.executable).parent
    script = bin_dir / "residency-gateway"
    assert script.exists()
    for name in ("region_configs", "schema"):
        shutil.copytree(ROOT / name, tmp_path / name)
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "residency-gateway").symlink_to(script)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RG_")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"

    # `make run` from the repository root: the demo writes demo-run/; send its requests.
    port, admin = 0, 0  # the kernel picks: no race with other tests for a "free" port
    proc = processes.popen([str(script), "demo", "--port", str(port), "--admin-port", str(admin)],
                           cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    lines: list[str] = []
    while not any(line.startswith("Decision records") for line in lines):
        line = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), 30)
        assert line, "demo exited early"
        lines.append(line.strip())
    async with aiohttp.ClientSession() as s:
        for line in (x for x in lines if x.startswith("curl -si ")):
            url, headers, body = curl_to_request(line)
            async with s.post(url, data=body, headers=headers) as r:
                await r.read()
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 0

    ran = []
    for command in readme_commands():
        if kind(command) in SKIP:
            continue
        result = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, (command, result.stdout[-2000:], result.stderr[-2000:])
        ran.append((command, result.stdout))
    assert len(ran) >= 12
    show = next(o for c, o in ran if " config show " in c)
    assert re.search(r"^JP\s+forward\s+jp\s", show, flags=re.M)
    diff = next(o for c, o in ran if " config diff " in c)
    assert "tenant nihon-pay:" in diff and "forward jp" in diff and "forward sg" in diff
    explained = [o for c, o in ran if " explain " in c]
    assert explained[0].startswith("decision: forward -> region sg")
    assert '"region": "cn"' in explained[1]
    verify = [o for c, o in ran if " audit verify " in c]
    assert all("VALID" in o for o in verify), verify
    assert (tmp_path / "demo-run" / "report.html").exists()

"""A gateway with two witnesses on loopback: a rolled-back trail or bundle is caught only with the
witnesses' keys, and witnesses refuse a forked log (c2sp.org/tlog-witness)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from residency_gateway.audit.chain import leaf_hash
from residency_gateway.audit.export import Filters, export_bundle
from residency_gateway.audit.filestore import list_segments
from residency_gateway.audit.merkle import consistency_proof, root_of
from residency_gateway.audit.note import ED25519, Verifier, checkpoint_note, origin_of
from residency_gateway.audit.records import canonical
from residency_gateway.audit.signing import Signer, generate
from residency_gateway.audit.sources import FileSource
from residency_gateway.audit.witness import origin_hash, submission_body
from residency_gateway.cli import main
from tests.helpers import ADDR


@dataclass
class WitnessProcess:
    proc: subprocess.Popen[bytes]
    url: str
    vkey: str
    name: str

    async def latest(self, session: aiohttp.ClientSession, log_id: str) -> int | None:
        async with session.get(f"{self.url}/{origin_hash(origin_of(log_id))}/checkpoint") as r:
            if r.status != 200:
                return None
            return int((await r.text()).split("\n")[1])

    async def metrics(self, session: aiohttp.ClientSession) -> str:
        async with session.get(self.url + "/metrics") as r:
            return await r.text()


@pytest.fixture
async def witnesses(tmp_path: Path) -> AsyncIterator[Callable[..., Any]]:
    started: list[WitnessProcess] = []

    async def start(name: str, log_vkeys: list[str]) -> WitnessProcess:
        d = tmp_path / name.replace("/", "_")
        cmd = [sys.executable, "-m", "residency_gateway", "witness", "serve", "--name", name,
               "--data-dir", str(d), "--host", "127.0.0.1", "--port", "0"]
        for v in log_vkeys:
            cmd += ["--log", v]
        with (tmp_path / f"{d.name}.log").open("wb") as err:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err)
        assert proc.stdout is not None
        line = (await asyncio.to_thread(proc.stdout.readline)).decode()
        assert "listening on" in line, (tmp_path / f"{d.name}.log").read_text()
        port = line.split("listening on 127.0.0.1:")[1].split()[0]
        w = WitnessProcess(proc, f"http://127.0.0.1:{port}", line.split(" vkey ")[1].strip(),
                           name)
        started.append(w)
        return w

    yield start
    for w in started:
        w.proc.terminate()
        w.proc.wait(timeout=30)
        assert w.proc.stdout is not None
        w.proc.stdout.close()


def log_vkey(signer: Signer, log_id: str) -> str:
    return Verifier(origin_of(log_id), ED25519, signer.public).vkey()


async def witnessed_gateway(make_gateway, witnesses, tmp_path: Path):
    signer = generate(tmp_path / "data0" / "keys" / "signing")  # the gateway's key, made first
    w1 = await witnesses("w1.test/witness", [log_vkey(signer, "test0")])
    w2 = await witnesses("w2.test/witness", [log_vkey(signer, "test0")])
    gw = await make_gateway(witnesses=[{"url": w1.url, "vkey": w1.vkey},
                                       {"url": w2.url, "vkey": w2.vkey}],
                            witness_quorum=2, audit_checkpoint_every=4,
                            audit_checkpoint_interval_s=0.2)
    for _ in range(10):
        status, _, _ = await gw.post(xff=ADDR["SG"], json_body={})
        assert status == 200
    await gw.completions(10)
    trail = gw.runtime.trail
    async with aiohttp.ClientSession() as s:
        for _ in range(600):  # bounded wait for both witnesses to cosign the newest checkpoint
            want = trail.last_checkpoint["tree_size"]
            sizes = [await w.latest(s, "test0") for w in (w1, w2)]
            if sizes == [want, want] and trail.frontier.size == want:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError(f"checkpoints were not witnessed: {sizes} vs {want}")
    return signer, w1, w2, gw


def roll_back(log_dir: Path) -> tuple[int, int]:
    """What an operator holding the signing key can do: cut entries, checkpoints and kept
    cosignatures back to an earlier signed checkpoint. Returns (old size, new size)."""
    cps = [json.loads(line) for line in (log_dir / "checkpoints.jsonl").read_text().splitlines()]
    newest = cps[-1]["tree_size"]
    keep = max(i for i, cp in enumerate(cps) if 0 < cp["tree_size"] <= newest - 6)
    size = cps[keep]["tree_size"]
    (log_dir / "checkpoints.jsonl").write_text(
        "".join(canonical(cp).decode() + "\n" for cp in cps[:keep + 1]))
    lines = [line for seg in list_segments(log_dir) for line in seg.read_bytes().splitlines()]
    for seg in list_segments(log_dir)[1:]:
        seg.unlink()
    list_segments(log_dir)[0].write_bytes(b"".join(line + b"\n" for line in lines[:size]))
    cos = log_dir / "cosigned.jsonl"
    cos.write_text("".join(line + "\n" for line in cos.read_text().splitlines()
                           if json.loads(line)["tree_size"] <= size))
    return newest, size


async def test_witnesses_catch_a_rolled_back_trail_and_bundle(make_gateway, witnesses, tmp_path,
                                                              capsys):
    signer, w1, w2, gw = await witnessed_gateway(make_gateway, witnesses, tmp_path)
    await gw.running.stop()
    root = gw.data_dir / "trail"
    key = str(gw.data_dir / "keys" / "signing")
    trust = ["--public-key", key, "--witness", f"{w1.vkey} {w1.url}",
             "--witness", f"{w2.vkey} {w2.url}", "--witness-quorum", "2"]
    assert main(["audit", "verify", "--store", str(root), *trust]) == 0, capsys.readouterr()
    cosigned = FileSource(root).cosigned("test0")
    assert {w1.name, w2.name} <= {line.split()[1] for _, n in cosigned
                                  for line in n.splitlines() if line.startswith("—")}

    witnessed, size = roll_back(root / "test0")
    capsys.readouterr()
    # The signatures alone cannot tell: every remaining checkpoint is genuine.
    assert main(["audit", "verify", "--store", str(root), "--public-key", key]) == 0
    assert main(["audit", "verify", "--store", str(root), *trust]) == 1
    out = capsys.readouterr().out
    assert f"rolled back: witnesses saw size {witnessed}" in out, out
    assert f"ends at size {size}" in out

    # The operator exports the rolled-back trail and signs the bundle: still caught, since the
    # witnesses cosigned the larger size before the bundle's store was read (a cosignature's
    # time is in whole seconds: the export starts a second after it).
    await asyncio.sleep(1.1)
    export_bundle(FileSource(root), tmp_path / "bundle", Filters(), signer)
    assert main(["audit", "verify", "--bundle", str(tmp_path / "bundle"), "--public-key",
                 key]) == 0
    capsys.readouterr()
    assert main(["audit", "verify", "--bundle", str(tmp_path / "bundle"), *trust, "--json"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["result"] == "INVALID"
    assert any(f"rolled back: witnesses saw size {witnessed}" in e["message"]
               for e in result["errors"])

    # Offline, with the witness keys only, the cosignatures the bundle carries are checked.
    trust_file = tmp_path / "trust.txt"
    trust_file.write_text(f"public-key {key}\n# witnesses, no URL: offline\nwitness {w1.vkey}\n"
                          f"witness {w2.vkey}\nwitness-quorum 2\n")
    assert main(["audit", "verify", "--bundle", str(tmp_path / "bundle"), "--trust",
                 str(trust_file)]) == 0


async def test_a_bundle_without_trusted_keys_is_untrusted(make_gateway, witnesses, tmp_path,
                                                          capsys):
    signer, w1, _, gw = await witnessed_gateway(make_gateway, witnesses, tmp_path)
    await gw.running.stop()
    export_bundle(FileSource(gw.data_dir / "trail"), tmp_path / "b", Filters(), signer)
    capsys.readouterr()
    assert main(["audit", "verify", "--bundle", str(tmp_path / "b")]) == 2
    assert capsys.readouterr().out.startswith("UNTRUSTED")
    # Witness keys alone do not make a log key trusted.
    assert main(["audit", "verify", "--bundle", str(tmp_path / "b"), "--witness", w1.vkey]) == 2
    # The bundle's bundled keys re-signed by a forger prove nothing either.
    forger = generate(tmp_path / "forger")
    assert main(["audit", "verify", "--bundle", str(tmp_path / "b"), "--public-key",
                 str(tmp_path / "forger" / f"{forger.key_id}.pub")]) == 1


async def test_witnesses_refuse_a_forked_log_loudly(make_gateway, witnesses, tmp_path):
    signer, w1, w2, gw = await witnessed_gateway(make_gateway, witnesses, tmp_path)
    trail = gw.runtime.trail
    n = trail.last_checkpoint["tree_size"]
    log_dir = gw.data_dir / "trail" / "test0"
    real = [leaf_hash(line) for seg in list_segments(log_dir)
            for line in seg.read_bytes().splitlines()][:n]
    fork = [*real[:n - 2], *(leaf_hash(b"forged %d" % i) for i in range(5))]

    def forged(size: int, index: int) -> str:
        body = {"log_id": "test0", "index": index, "prev": "0" * 64, "tree_size": size,
                "root": root_of(fork[:size]).hex(), "time": "2026-11-29T00:00:00+00:00"}
        return checkpoint_note(signer.key, origin_of("test0"), body)

    async with aiohttp.ClientSession() as s:
        for w in (w1, w2):
            # Same size as cosigned, another root: a fork.
            async with s.post(w.url + "/add-checkpoint",
                              data=submission_body(n, [], forged(n, 900))) as r:
                assert r.status == 422, await r.text()
                assert "fork" in await r.text()
            # Larger, with the fork's own (valid) proof from n: not an extension of what was seen.
            proof = consistency_proof(n, fork[:n + 3])
            async with s.post(w.url + "/add-checkpoint",
                              data=submission_body(n, proof, forged(n + 3, 901))) as r:
                assert r.status == 422, await r.text()
            # Back below what the witness cosigned: 409 with the witnessed size.
            async with s.post(w.url + "/add-checkpoint",
                              data=submission_body(0, [], forged(n - 2, 902))) as r:
                assert r.status == 409
                assert r.headers["Content-Type"].startswith("text/x.tlog.size")
                assert await r.text() == f"{n}\n"
            metrics = await w.metrics(s)
            for reason in ("fork", "inconsistent", "rollback"):
                assert (f'rg_witness_checkpoints_total{{log="residency-gateway/test0",'
                        f'result="{reason}"}} 1.0') in metrics, metrics
            assert await w.latest(s, "test0") == n  # the witness's view did not move
    # The gateway's own, genuine checkpoints keep being cosigned (a checkpoint signed a moment
    # ago may still be on its way to the witnesses: the gauge is 0 again once it is cosigned).
    for _ in range(200):
        if await gauge(gw) == 0:
            break
        await asyncio.sleep(0.05)
    assert await gauge(gw) == 0


async def gauge(gw, name: str = "rg_checkpoint_unwitnessed_seconds") -> float:
    value = gw.runtime.metrics.registry.get_sample_value(name, {"log": "test0"})
    assert value is not None
    return float(value)


async def test_a_witness_outage_never_blocks_traffic_and_shows_in_the_metric(
        make_gateway, witnesses, tmp_path):
    from tests.conftest import free_port

    signer = generate(tmp_path / "data0" / "keys" / "signing")
    port = free_port()
    probe = await witnesses("probe.test/w", [log_vkey(signer, "test0")])  # only for its vkey...
    probe.proc.terminate()
    probe.proc.wait(timeout=30)
    # ...the same key directory is reused by the real witness, started later on `port`.
    gw = await make_gateway(witnesses=[{"url": f"http://127.0.0.1:{port}", "vkey": probe.vkey}],
                            audit_checkpoint_every=2, audit_checkpoint_interval_s=0.2,
                            witness_backoff_max_s=0.3, witness_timeout_s=1)
    for _ in range(4):
        assert (await gw.post(xff=ADDR["SG"], json_body={}))[0] == 200
    for _ in range(400):
        if await gauge(gw) > 0.3:
            break
        await asyncio.sleep(0.05)
    assert await gauge(gw) > 0.3  # unwitnessed, and traffic went on
    d = tmp_path / "probe.test_w"
    cmd = [sys.executable, "-m", "residency_gateway", "witness", "serve", "--name", "probe.test/w",
           "--data-dir", str(d), "--host", "127.0.0.1", "--port", str(port), "--log",
           log_vkey(signer, "test0")]
    with (tmp_path / "late.log").open("wb") as err:
        late = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
    try:
        for _ in range(600):
            if await gauge(gw) == 0:
                break
            await asyncio.sleep(0.05)
        assert await gauge(gw) == 0, (tmp_path / "late.log").read_text()[-2000:]
    finally:
        late.terminate()
        late.wait(timeout=30)


async def test_a_postgresql_trail_is_witnessed_with_proofs_read_from_the_database(
        pg_dsn, tmp_path):
    from aiohttp import web

    from residency_gateway.audit.pgstore import PgTrail
    from residency_gateway.audit.sources import PgSource
    from residency_gateway.audit.witnessd import FileWitnessStore, Witness, witness_app
    from residency_gateway.audit.witnessing import WitnessEndpoint, Witnessing
    from tests.audit.conftest import sample_records

    signer = generate(tmp_path / "signing")
    w = Witness("pgw.test/w", generate(tmp_path / "wkey"),
                [Verifier(origin_of("pg-a"), ED25519, signer.public)],
                FileWitnessStore(tmp_path / "wstate"))
    runner = web.AppRunner(witness_app(w))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    trail = PgTrail(pg_dsn, "pg-a", signer, checkpoint_every=5, checkpoint_interval_s=0.1)
    wit = Witnessing(trail, [WitnessEndpoint(f"http://127.0.0.1:{port}", w.verifier)], 1,
                     backoff_max_s=0.2)
    try:
        await trail.start()
        await wit.start()
        for r in sample_records(23):
            await trail.append(r)
        await trail.close()  # the shutdown checkpoint: 23 entries
        await wit.close(drain_s=10)
        latest = await w.store.get(origin_of("pg-a"))
        assert latest is not None and latest.size == 23
    finally:
        await wit.close()
        await runner.cleanup()
    source = await PgSource.aload(pg_dsn)
    assert max(int(n.split("\n")[1]) for _, n in source.cosigned("pg-a")) == 23


async def grow_until_witnessed(gw, w1, w2, past: int) -> int:
    """More traffic until both witnesses have cosigned a size past `past`; that size."""
    for _ in range(8):
        status, _, _ = await gw.post(xff=ADDR["SG"], json_body={})
        assert status == 200
    async with aiohttp.ClientSession() as s:
        for _ in range(600):  # bounded
            sizes = [await w.latest(s, "test0") for w in (w1, w2)]
            if all(size is not None and size > past for size in sizes):
                return min(sizes)
            await asyncio.sleep(0.05)
    raise AssertionError(f"the witnesses never cosigned past {past}: {sizes}")


async def test_a_bundle_exported_before_the_log_grew_still_verifies_with_online_witnesses(
        make_gateway, witnesses, tmp_path, capsys):
    """An auditor's bundle of last month is not a roll-back: the log goes on growing after an
    export. The witnesses that cosigned the bundle's newest checkpoint vouch for the growth
    since (they cosign a larger size only with a consistency proof)."""
    signer, w1, w2, gw = await witnessed_gateway(make_gateway, witnesses, tmp_path)
    root = gw.data_dir / "trail"
    key = str(gw.data_dir / "keys" / "signing")
    trust = ["--public-key", key, "--witness", f"{w1.vkey} {w1.url}",
             "--witness", f"{w2.vkey} {w2.url}", "--witness-quorum", "2"]
    old = export_bundle(FileSource(root), tmp_path / "old", Filters(), signer)
    exported = json.loads((tmp_path / "old" / "logs" / "test0" / "checkpoints.jsonl")
                          .read_text().splitlines()[-1])["tree_size"]
    assert old.selected >= exported
    grown = await grow_until_witnessed(gw, w1, w2, exported)
    capsys.readouterr()
    assert main(["audit", "verify", "--bundle", str(tmp_path / "old"), *trust, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["result"] == "VALID", result
    assert any("the log has grown since" in w["message"] and f"size {exported}" in w["message"]
               for w in result["warnings"]), result
    # The store itself still must reach what the witnesses saw, and does.
    assert main(["audit", "verify", "--store", str(root), *trust]) == 0, capsys.readouterr()
    assert grown > exported


async def test_a_bundle_whose_newest_checkpoint_no_witness_cosigned_is_not_tied_to_the_log(
        make_gateway, witnesses, tmp_path, capsys):
    """A bundle ending at a checkpoint no witness cosigned, behind what the witnesses cosigned
    since: its tail may be a fork re-signed by the key holder, and nothing here can tell."""
    import shutil

    signer, w1, w2, gw = await witnessed_gateway(make_gateway, witnesses, tmp_path)
    root = gw.data_dir / "trail"
    key = str(gw.data_dir / "keys" / "signing")
    copy = tmp_path / "copy"
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns("LOCK"))
    cps = [json.loads(line) for line in (copy / "test0" / "checkpoints.jsonl").read_text()
           .splitlines()]
    newest = cps[-1]["tree_size"]
    cos = copy / "test0" / "cosigned.jsonl"
    cos.write_text("".join(line + "\n" for line in cos.read_text().splitlines()
                           if json.loads(line)["tree_size"] < newest))
    export_bundle(FileSource(copy), tmp_path / "bundle", Filters(), signer)
    trust = ["--public-key", key, "--witness", f"{w1.vkey} {w1.url}",
             "--witness", f"{w2.vkey} {w2.url}", "--witness-quorum", "2"]
    capsys.readouterr()
    # Offline, the kept cosignatures (of earlier checkpoints) are all there is: valid.
    assert main(["audit", "verify", "--bundle", str(tmp_path / "bundle"), "--public-key", key,
                 "--witness", w1.vkey, "--witness", w2.vkey, "--witness-quorum", "2"]) == 0
    await grow_until_witnessed(gw, w1, w2, newest)
    capsys.readouterr()
    assert main(["audit", "verify", "--bundle", str(tmp_path / "bundle"), *trust, "--json"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert any("fork not ruled out" in e["message"] and f"size {newest}" in e["message"]
               for e in result["errors"]), result

"""Red team (round 12): slow readers of answers against the read-ahead relay, on loopback:
every exit path gives its read-ahead and its pool slot back and records its outcome; answers
stay byte-exact when connections are freed under paused clients; odd answers (HEAD, 204, 304,
empty, lying lengths) and legitimate slow clients."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import Any

import pytest

from tests.gateway.test_h1client_functional import RawUpstream, read_request
from tests.gateway.test_slow_readers_functional import (
    Trickler,
    body_of,
    gateway,
    slow_client,
    split_answer,
    until,
)
from tests.helpers import ADDR


async def odd_answers(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                      n: int) -> None:
    """GET /<size>/<mode>: `cl` (keep-alive), `short` (Content-Length says `size`, half is
    sent, then the connection closes), `stall` (half, then nothing), `s204`, `s304`, `cl0`."""
    up: RawUpstream = odd_answers.upstream  # type: ignore[attr-defined]
    while (got := await read_request(reader)) is not None:
        up.requests.append(got[0])
        up.on_connection.append(n)
        method, target = got[0].split(b" ", 2)[:2]
        _, size_s, mode = target.split(b"/")
        size = int(size_s)
        body = body_of(size)
        if mode == b"s204":
            writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
        elif mode == b"s304":
            writer.write(b"HTTP/1.1 304 Not Modified\r\nContent-Length: %d\r\n\r\n" % size)
        elif mode == b"cl0":
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        elif method == b"HEAD":
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size)
        elif mode in (b"chunked", b"chunkcut", b"eof"):
            if mode == b"eof":
                writer.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + body)
            else:
                writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                for i in range(0, len(body), 65536):
                    writer.write(b"%x\r\n%b\r\n" % (len(body[i:i + 65536]), body[i:i + 65536]))
                    await writer.drain()
                if mode == b"chunked":
                    writer.write(b"0\r\n\r\n")
            await writer.drain()
            if mode != b"chunked":
                writer.close()
                return
        elif mode == b"bighead":  # a head of about 200 KB and a small body
            fields = b"".join(b"X-Pad-%d: %b\r\n" % (i, b"p" * 8000) for i in range(25))
            writer.write(b"HTTP/1.1 200 OK\r\n" + fields
                         + b"Content-Length: %d\r\n\r\n" % size + body)
        elif mode == b"long":  # the body runs past its Content-Length: a forged answer
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size + body
                         + b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nEVIL!")
        elif mode in (b"short", b"stall"):
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size
                         + body[:size // 2])
            await writer.drain()
            if mode == b"stall":
                await asyncio.sleep(30)
            writer.close()
            return
        else:
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size + body)
        await writer.drain()


@pytest.fixture
async def odd() -> Any:
    up = await RawUpstream(odd_answers).start()
    odd_answers.upstream = up  # type: ignore[attr-defined]
    yield up
    await up.close()


def settled(gw: Any) -> bool:
    pool = gw.runtime.active.upstreams["sg"].client
    return gw.runtime.read_ahead.used == 0 and pool.busy == 0 and not pool.inuse


async def test_a_client_that_leaves_after_its_answer_was_read_ahead_is_recorded_gone(
        make_gateway, odd):
    """A 4 MB answer (more than the kernel's buffers hold) read ahead of a paused client (its
    connection freed), the client reads a little and closes: client_disconnected, never
    `completed`; budget and slot back."""
    size = 4_000_000
    gw = await gateway(make_gateway, odd.url, client_idle_timeout_s=5,
                       client_min_rate_bytes_s=0, response_buffer_bytes=5_000_000)
    r, w = await slow_client(gw, f"/{size}/cl")
    pool = gw.runtime.active.upstreams["sg"].client
    assert await until(lambda: len(odd.requests) == 1 and not pool.inuse)
    w.transport.resume_reading()
    await r.read(10000)
    w.close()
    [done] = await gw.completions(1)
    assert done["outcome"] == "client_disconnected"
    assert await until(lambda: settled(gw))


@pytest.mark.parametrize("mode", ["short", "stall"])
async def test_an_upstream_failing_mid_body_under_a_paused_client_frees_everything(
        make_gateway, odd, mode):
    """The upstream promises 600 KB, sends half and closes (or stalls past read_timeout_s)
    while the client reads nothing: the answer is cut, recorded as the upstream's failure, the
    read-ahead and the slot are given back."""
    gw = await gateway(make_gateway, odd.url, client_idle_timeout_s=5, read_timeout_s=0.5,
                       client_min_rate_bytes_s=0)
    r, w = await slow_client(gw, f"/600000/{mode}")
    try:
        [done] = await gw.completions(1)
        assert done["outcome"] == ("upstream_body_error" if mode == "short"
                                   else "upstream_timeout")
        assert await until(lambda: settled(gw))
    finally:
        w.transport.abort()


@pytest.mark.parametrize(("method", "mode", "status"), [
    ("HEAD", "cl", 200), ("GET", "s204", 204), ("GET", "s304", 304), ("GET", "cl0", 200)])
async def test_bodiless_answers_to_paused_clients(make_gateway, odd, method, mode, status):
    gw = await gateway(make_gateway, odd.url, client_idle_timeout_s=5)
    sock = socket.create_connection(("127.0.0.1", gw.running.proxy_port))
    sock.setblocking(False)
    r, w = await asyncio.open_connection(sock=sock)
    w.write(f"{method} /600000/{mode} HTTP/1.1\r\nHost: gw\r\nX-Tenant-ID: acme\r\n"
            f"X-Forwarded-For: {ADDR['SG']}\r\n\r\n".encode())
    try:
        head = await asyncio.wait_for(r.readuntil(b"\r\n\r\n"), 5)
        assert head.startswith(b"HTTP/1.1 %d " % status)
        [done] = await gw.completions(1)
        assert (done["outcome"], done["bytes_down"]) == ("completed", 0)
        # nothing follows the head, and the connection serves a next request
        w.write(b"GET /2000/cl HTTP/1.1\r\nHost: gw\r\nX-Tenant-ID: acme\r\n"
                b"X-Forwarded-For: " + ADDR["SG"].encode() + b"\r\n\r\n")
        nxt = await asyncio.wait_for(r.readuntil(b"\r\n\r\n"), 5)
        assert nxt.startswith(b"HTTP/1.1 200 ")
        assert await asyncio.wait_for(r.readexactly(2000), 5) == body_of(2000)
        assert await until(lambda: settled(gw))
    finally:
        w.transport.abort()


async def test_connections_freed_under_paused_clients_carry_no_one_elses_bytes(
        make_gateway, odd):
    """One connection per base; eight paused clients ask for answers of different sizes (each
    read ahead, each freeing the one connection for the next); all then read: every answer is
    byte-exact and its own, and everything is given back."""
    gw = await gateway(make_gateway, odd.url, upstream_connections_per_base=1,
                       client_idle_timeout_s=10, client_min_rate_bytes_s=0,
                       connect_timeout_s=5)
    sizes = [300_000 + 7919 * i for i in range(8)]
    slow = [await slow_client(gw, f"/{s}/cl") for s in sizes]
    try:
        assert await until(lambda: len(odd.requests) == 8, 10)
        got = await asyncio.gather(*(asyncio.wait_for(Trickler(r, w, s, 65536, 0).run(), 30)
                                     for (r, w), s in zip(slow, sizes, strict=True)))
        for g, s in zip(got, sizes, strict=True):
            head, body = split_answer(g)
            assert head.startswith(b"HTTP/1.1 200 ") and body == body_of(s)
        assert [c["outcome"] for c in await gw.completions(8)] == ["completed"] * 8
        assert await until(lambda: settled(gw))
    finally:
        for _, w in slow:
            w.transport.abort()


async def test_a_slow_steady_client_with_a_pause_is_not_cut(make_gateway, odd):
    """A mobile-like client (scaled: min rate 100 KB/s, the client takes about 130 KB/s and
    pauses 1.5 s midway) gets the whole 2.5 MB streamed answer."""
    size = 1_500_000
    gw = await gateway(make_gateway, odd.url, client_idle_timeout_s=2,
                       client_min_rate_bytes_s=100_000, response_buffer_bytes=0)
    r, w = await slow_client(gw, f"/{size}/cl")
    t = Trickler(r, w, size, 6500, 0.05)
    task = asyncio.create_task(t.run())
    try:
        await until(lambda: len(t.got) > size // 2, 30)
        t.pause = 1.5
        await asyncio.sleep(0.1)
        t.pause = 0.05
        head, body = split_answer(await asyncio.wait_for(task, 60))
        assert body == body_of(size)
        [done] = await gw.completions(1)
        assert done["outcome"] == "completed"
    finally:
        task.cancel()
        w.transport.abort()


async def test_paused_clients_past_the_global_cap_leave_others_served(make_gateway, odd):
    """Twelve paused clients, each wanting an 800 KB answer, against a 2 MB cap: read-ahead
    never passes the cap, and a fast client is served meanwhile."""
    gw = await gateway(make_gateway, odd.url, client_idle_timeout_s=5,
                       client_min_rate_bytes_s=0, response_buffers_total_bytes=2_000_000)
    slow = [await slow_client(gw, "/800000/cl") for _ in range(12)]
    try:
        assert await until(lambda: len(odd.requests) == 12)
        await asyncio.sleep(0.3)
        assert gw.runtime.read_ahead.peak <= 2_000_000
        async with gw.session.get(gw.url + "/2000/cl", headers={
                "X-Tenant-ID": "acme", "X-Forwarded-For": ADDR["SG"]}) as resp:
            assert resp.status == 200 and await resp.read() == body_of(2000)
    finally:
        for _, w in slow:
            w.transport.abort()
    assert await until(lambda: settled(gw), 10)
    outcomes = [c["outcome"] for c in await gw.completions(13)]
    assert outcomes.count("completed") >= 1
    assert "internal_error" not in outcomes


async def test_shutdown_with_paused_clients_gives_everything_back(make_gateway, odd):
    """Stopping with a paused client on a read-ahead answer and one on a streamed answer
    bigger than the kernel holds: the budget and the slots come back, and the streamed one is
    recorded as interrupted, not completed."""
    def edit(m: dict[str, Any]) -> None:
        m["regions"]["sg"]["upstreams"] = [odd.url]
        m["limits"] = {"client_idle_timeout_s": 30, "client_min_rate_bytes_s": 0,
                       "response_buffer_bytes": 5_000_000}

    gw = await make_gateway(edit, shutdown_grace_s=1)
    slow = [await slow_client(gw, f"/{s}/cl") for s in (4_000_000, 16_000_000)]
    try:
        assert await until(lambda: len(odd.requests) == 2)
        await asyncio.sleep(0.2)
        rt = gw.runtime
        with contextlib.suppress(Exception):
            await asyncio.wait_for(gw.running.stop(), 20)
        assert rt.read_ahead.used == 0
        pool = rt.active.upstreams["sg"].client
        assert pool.busy == 0 and not pool.inuse
        outcomes = sorted(c["outcome"] for c in gw.records() if c["type"] == "completion")
        assert outcomes == ["interrupted_by_shutdown"] * 2, outcomes
    finally:
        for _, w in slow:
            w.transport.abort()


@pytest.mark.parametrize("mode", ["chunked", "eof"])
@pytest.mark.parametrize("size", [3_000_000, 6_000_000])
async def test_answers_of_unknown_size_around_the_cap_reach_paused_clients_whole(
        make_gateway, odd, mode, size):
    """Chunked or close-delimited answers smaller and bigger than response_buffer_bytes (4 MB)
    to three paused clients: byte-exact, the budget never past its cap, all given back."""
    gw = await gateway(make_gateway, odd.url, client_idle_timeout_s=10,
                       client_min_rate_bytes_s=0, response_buffer_bytes=4_000_000,
                       response_buffers_total_bytes=9_000_000)
    slow = [await slow_client(gw, f"/{size}/{mode}") for _ in range(3)]
    try:
        assert await until(lambda: len(odd.requests) == 3)
        await asyncio.sleep(0.3)
        got = await asyncio.gather(*(asyncio.wait_for(Trickler(r, w, size, 65536, 0).run(), 30)
                                     for r, w in slow))
        for g in got:
            head, body = split_answer(g)
            assert head.startswith(b"HTTP/1.1 200 ") and body == body_of(size)
        assert [c["outcome"] for c in await gw.completions(3)] == ["completed"] * 3
        assert gw.runtime.read_ahead.peak <= 9_000_000
        assert await until(lambda: settled(gw))
    finally:
        for _, w in slow:
            w.transport.abort()


async def test_a_chunked_answer_cut_by_its_upstream_under_a_paused_client(make_gateway, odd):
    # (read ahead whole: streamed at the paused client's pace, whether the cut is seen at once
    # hung on how much of the 3 MB the kernel's buffers took, ~2.8 MB on one machine, and a
    # paused client's kernel acknowledged 2 KB every 5 s, which the idle rule alone, with no
    # minimum rate, counts as taking)
    gw = await gateway(make_gateway, odd.url, client_idle_timeout_s=5,
                       client_min_rate_bytes_s=0, response_buffer_bytes=5_000_000)
    r, w = await slow_client(gw, "/3000000/chunkcut")
    try:
        [done] = await gw.completions(1)
        assert done["outcome"] == "upstream_body_error"
        assert await until(lambda: settled(gw))
    finally:
        w.transport.abort()


@pytest.mark.parametrize("size", [300_000, 3_000_000])
async def test_a_cut_answer_held_ahead_ends_at_once_whatever_the_client_does(make_gateway, odd,
                                                                            size):
    # The upstream cuts an answer the gateway reads ahead of a paused client: the client can
    # never have it whole, so the gateway ends it at once (upstream_body_error, recorded, the
    # read-ahead given back), not once the client takes its bytes or idles out: with no
    # minimum rate and a long idle time, that was as long as the client liked (a paused
    # client's kernel acknowledging 2 KB every few seconds counts as taking).
    gw = await gateway(make_gateway, odd.url, client_idle_timeout_s=60,
                       client_min_rate_bytes_s=0, response_buffer_bytes=5_000_000)
    r, w = await slow_client(gw, f"/{size}/chunkcut")
    try:
        [done] = await gw.completions(1, timeout_s=5)
        assert done["outcome"] == "upstream_body_error"
        assert await until(lambda: settled(gw))
    finally:
        w.transport.abort()


@pytest.mark.parametrize("size", [600_000, 4_000_000])
async def test_a_paused_client_cut_for_idling_gives_its_read_ahead_back(make_gateway, odd, size):
    gw = await gateway(make_gateway, odd.url, client_idle_timeout_s=0.5,
                       response_buffer_bytes=5_000_000)
    r, w = await slow_client(gw, f"/{size}/cl")
    try:
        [done] = await gw.completions(1)
        assert done["outcome"] in (("client_timeout",) if size > 2_000_000
                                   else ("client_timeout", "completed"))
        assert await until(lambda: settled(gw))
    finally:
        w.transport.abort()


async def test_a_body_longer_than_its_length_reaches_no_other_request(make_gateway, odd):
    """The upstream sends a forged second answer after a 600 KB body that a paused client
    has read ahead of it; the next request, on the only connection of the base, gets its own
    answer."""
    gw = await gateway(make_gateway, odd.url, upstream_connections_per_base=1,
                       client_idle_timeout_s=5, client_min_rate_bytes_s=0,
                       response_buffer_bytes=5_000_000)
    r, w = await slow_client(gw, "/4000000/long")
    try:
        assert await until(lambda: len(odd.requests) == 1)
        async with gw.session.get(gw.url + "/2000/cl", headers={
                "X-Tenant-ID": "acme", "X-Forwarded-For": ADDR["SG"]}) as resp:
            assert resp.status == 200 and await resp.read() == body_of(2000)
        head, body = split_answer(await asyncio.wait_for(
            Trickler(r, w, 4_000_000, 65536, 0).run(), 30))
        assert body == body_of(4_000_000)
        assert await until(lambda: settled(gw))
    finally:
        w.transport.abort()


async def test_a_big_head_and_small_body_to_a_client_that_reads_nothing_is_cut(
        make_gateway, odd):
    """A 200 KB head and a 10-byte body to a client that reads nothing, on a client
    connection whose kernel send buffer is small (as on a real network; accepted sockets
    inherit the listener's SO_SNDBUF): the gateway does not wait for it without a limit."""
    gw = await gateway(make_gateway, odd.url, client_idle_timeout_s=0.5)
    for sock in gw.running.listener.sockets:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    r, w = await slow_client(gw, "/10/bighead")
    try:
        assert await until(lambda: any(c["type"] == "completion" for c in gw.records()), 8)
        [done] = await gw.completions(1)
        assert done["outcome"] == "client_timeout"
    finally:
        w.transport.abort()



async def test_read_ahead_is_counted_and_its_bytes_shown(make_gateway, odd):
    """rg_read_ahead_total{result="held"} counts an answer held ahead of a slow client and
    rg_read_ahead_bytes what is held now: its size while held, 0 once it is done."""
    from prometheus_client import generate_latest

    from tests.helpers import metric_value

    size = 4_000_000
    gw = await gateway(make_gateway, odd.url, client_idle_timeout_s=5,
                       client_min_rate_bytes_s=0, response_buffer_bytes=5_000_000)
    metrics = gw.runtime.metrics
    r, w = await slow_client(gw, f"/{size}/cl")
    pool = gw.runtime.active.upstreams["sg"].client
    assert await until(lambda: len(odd.requests) == 1 and not pool.inuse)
    text = generate_latest(metrics.registry).decode()
    assert metric_value(text, "rg_read_ahead_total", result="held") == 1
    assert metric_value(text, "rg_read_ahead_bytes") == size
    w.transport.resume_reading()
    await r.read(10000)
    w.close()
    await gw.completions(1)
    assert await until(lambda: settled(gw))
    text = generate_latest(metrics.registry).decode()
    assert metric_value(text, "rg_read_ahead_bytes") == 0

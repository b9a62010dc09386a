"""A small asyncio TCP proxy between the gateway and PostgreSQL (127.0.0.1 only) that can
take the store away and give it back, or lose exactly one COMMIT acknowledgement: it forwards
the client's COMMIT, lets the server commit, then drops both connections without relaying the
answer (the commit succeeded, the gateway does not know)."""

from __future__ import annotations

import asyncio
import contextlib
import struct


class PgProxy:
    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.server: asyncio.Server | None = None
        self.port = 0
        self.lose_next_commit_ack = False
        self.commits_lost = 0
        self.refusing = False
        self._links: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> PgProxy:
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        """The store goes away: no new connections, existing ones cut."""
        self.refusing = True
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None
        for w in list(self._writers):
            w.close()
        for t in list(self._links):
            t.cancel()
        await asyncio.gather(*self._links, return_exceptions=True)

    async def resume(self) -> None:
        self.refusing = False
        await self.start()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.refusing:
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self._writers.update((writer, up_writer))
        cut = asyncio.Event()
        tasks = [asyncio.create_task(self._client_to_server(reader, up_writer, cut)),
                 asyncio.create_task(self._server_to_client(up_reader, writer, cut))]
        self._links.update(tasks)
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self._links.difference_update(tasks)
            for w in (writer, up_writer):
                w.close()
                self._writers.discard(w)

    async def _client_to_server(self, reader: asyncio.StreamReader,
                                writer: asyncio.StreamWriter, cut: asyncio.Event) -> None:
        """Relay frontend messages whole, watching for a simple-query COMMIT."""
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            # untyped packets first: SSLRequest / GSSENCRequest (answered with one byte by the
            # server), then the startup packet (protocol 3.0)
            while True:
                head = await reader.readexactly(4)
                (length,) = struct.unpack("!I", head)
                body = await reader.readexactly(length - 4)
                writer.write(head + body)
                await writer.drain()
                if struct.unpack("!I", body[:4])[0] not in (80877103, 80877104):
                    break
            while True:
                kind = await reader.readexactly(1)
                head = await reader.readexactly(4)
                (length,) = struct.unpack("!I", head)
                payload = await reader.readexactly(length - 4)
                writer.write(kind + head + payload)
                await writer.drain()
                if (self.lose_next_commit_ack and kind == b"Q"
                        and payload.strip(b"\x00; ").upper() == b"COMMIT"):
                    self.lose_next_commit_ack = False
                    self.commits_lost += 1
                    cut.set()  # the answer (CommandComplete, ReadyForQuery) is not relayed
                    await asyncio.sleep(0.3)  # the server commits meanwhile
                    return

    async def _server_to_client(self, reader: asyncio.StreamReader,
                                writer: asyncio.StreamWriter, cut: asyncio.Event) -> None:
        with contextlib.suppress(ConnectionError):
            while not cut.is_set():
                data = await reader.read(65536)
                if not data or cut.is_set():
                    return
                writer.write(data)
                await writer.drain()

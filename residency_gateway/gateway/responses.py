"""What every response of the gateway says of itself, and what it never invents (shell).

aiohttp fills in two headers a response lacks: `Server: Python/3.x aiohttp/3.y` (the exact
versions, on every refusal and on every upstream answer without a Server of its own) and, for
a body, `Content-Type: application/octet-stream` (on an upstream answer that had none, which
a transparent proxy must not add). `house_headers` (an `on_response_prepare` hook, run after
aiohttp's defaults and before the head is written) names the gateway without versions and
takes back a Content-Type the upstream did not send.
"""

from __future__ import annotations

from aiohttp import hdrs, web
from aiohttp.http import SERVER_SOFTWARE, StreamWriter

SERVER_NAME = "residency-gateway"


class Relayed(web.StreamResponse):
    """An upstream's answer on its way to the client; `untyped`: it came without a
    Content-Type, and leaves without one."""

    untyped = False

    async def hand(self, data: bytes) -> None:
        """Give `data` to the client's connection without waiting for the client to take it
        (`write` would wait once the connection's buffer is past its high-water mark)."""
        writer = self._payload_writer
        assert writer is not None and not self._eof_sent
        if isinstance(writer, StreamWriter):
            await writer.write(data, drain=False)
        else:  # (no other writer serves HTTP/1.1 answers today)
            await writer.write(data)

    async def drained(self) -> None:
        """Wait until the client's connection is back under its low-water mark (aiohttp's
        drain: cancelling the wait loses nothing; StreamResponse.drain is deprecated)."""
        writer = self._payload_writer
        assert writer is not None
        await writer.drain()


async def house_headers(request: web.BaseRequest, response: web.StreamResponse) -> None:
    if response.headers.get(hdrs.SERVER) == SERVER_SOFTWARE:
        response.headers[hdrs.SERVER] = SERVER_NAME
    if isinstance(response, Relayed) and response.untyped:
        response.headers.popall(hdrs.CONTENT_TYPE, None)


def with_house_headers(app: web.Application) -> web.Application:
    app.on_response_prepare.append(house_headers)
    return app

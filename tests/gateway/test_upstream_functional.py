"""Upstream behaviour: timeouts, broken upstreams, TLS and mutual TLS to real servers."""

from __future__ import annotations

import asyncio
import datetime as dt
import ssl
from pathlib import Path

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from residency_gateway.gateway.app import serve_handler
from tests.helpers import ADDR


async def test_upstream_that_never_answers_is_504(make_gateway, backends):
    async def hang(request: web.Request) -> web.Response:
        await asyncio.sleep(1.5)  # well past read_timeout_s
        return web.Response()

    runner, url = await serve_handler(hang)

    def edit(m):
        m["regions"]["sg"]["upstreams"] = [url]
        m["limits"] = {"read_timeout_s": 0.3}

    try:
        gw = await make_gateway(edit)
        status, _, problem = await gw.post(xff=ADDR["SG"], json_body={})
        assert (status, problem["reason"]) == (504, "upstream_timeout")
        assert problem["decision_id"]
    finally:
        await runner.cleanup()


async def test_upstream_that_drops_the_connection_is_502(make_gateway):
    async def drop(request: web.Request) -> web.Response:
        assert request.transport is not None
        request.transport.close()
        await asyncio.sleep(0.1)
        return web.Response()

    runner, url = await serve_handler(drop)
    try:
        gw = await make_gateway(lambda m: m["regions"]["sg"].update(upstreams=[url]))
        status, headers, problem = await gw.post(xff=ADDR["SG"], json_body={})
        assert (status, problem["reason"]) == (502, "upstream_error")
        assert headers["Content-Type"].startswith("application/problem+json")
    finally:
        await runner.cleanup()


def _cert(subject: str, issuer_key, issuer_name, key, *, ca: bool, san: str | None = None):
    now = dt.datetime.now(dt.UTC)
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
               .issuer_name(issuer_name).public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - dt.timedelta(minutes=5))
               .not_valid_after(now + dt.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if san:
        import ipaddress

        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(san))]),
            critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def write_pki(tmp: Path) -> dict[str, Path]:
    """A private CA, a server certificate for 127.0.0.1 and a client certificate."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test CA")])
    ca = _cert("test CA", ca_key, ca_name, ca_key, ca=True)
    out: dict[str, Path] = {}

    def dump(name: str, cert, key) -> None:
        out[f"{name}_cert"] = tmp / f"{name}.crt"
        out[f"{name}_cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        if key is not None:
            out[f"{name}_key"] = tmp / f"{name}.key"
            out[f"{name}_key"].write_bytes(key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption()))

    dump("ca", ca, None)
    server_key = ec.generate_private_key(ec.SECP256R1())
    dump("server", _cert("127.0.0.1", ca_key, ca_name, server_key, ca=False, san="127.0.0.1"),
         server_key)
    client_key = ec.generate_private_key(ec.SECP256R1())
    dump("client", _cert("gateway", ca_key, ca_name, client_key, ca=False), client_key)
    return out


async def tls_upstream(pki: dict[str, Path], *, require_client_cert: bool):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(pki["server_cert"], pki["server_key"])
    if require_client_cert:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(pki["ca_cert"])
    seen: list[str] = []

    async def handle(request: web.Request) -> web.Response:
        peer = request.transport.get_extra_info("peercert") if request.transport else None
        seen.append(dict(x[0] for x in peer["subject"])["commonName"] if peer else "-")
        await request.read()
        return web.json_response({"region": "sg", "tls": True})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ctx)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"https://127.0.0.1:{port}", seen


async def test_tls_upstream_verified_against_the_regions_ca(make_gateway, tmp_path):
    pki = write_pki(tmp_path)
    runner, url, seen = await tls_upstream(pki, require_client_cert=False)
    try:
        gw = await make_gateway(lambda m: m["regions"]["sg"].update(
            upstreams=[url], allow_plaintext=False, tls={"ca_file": str(pki["ca_cert"])}))
        status, _, body = await gw.post(xff=ADDR["SG"], json_body={})
        assert (status, body["tls"]) == (200, True)
        # without the CA the certificate is not trusted: the request fails, nothing is sent
        gw2 = await make_gateway(lambda m: m["regions"]["sg"].update(upstreams=[url],
                                                                     allow_plaintext=False))
        # (tenant "lenient" has no fallback region, so the failure is not failed over)
        status, _, problem = await gw2.post(tenant="lenient", xff=ADDR["SG"], json_body={})
        assert (status, problem["reason"]) == (503, "upstream_unavailable")
        assert len(seen) == 1
        async with gw2.session.get(gw2.admin + "/metrics") as r:
            assert 'rg_upstream_errors_total{kind="tls",region="sg"} 1.0' in await r.text()
    finally:
        await runner.cleanup()


async def test_mutual_tls_presents_the_gateways_client_certificate(make_gateway, tmp_path):
    pki = write_pki(tmp_path)
    runner, url, seen = await tls_upstream(pki, require_client_cert=True)
    try:
        gw = await make_gateway(lambda m: m["regions"]["sg"].update(
            upstreams=[url], allow_plaintext=False,
            tls={"ca_file": str(pki["ca_cert"]), "client_cert": str(pki["client_cert"]),
                 "client_key": str(pki["client_key"])}))
        status, _, body = await gw.post(xff=ADDR["SG"], json_body={})
        assert status == 200 and seen == ["gateway"]
        # the same upstream refuses a gateway without a client certificate
        gw2 = await make_gateway(lambda m: m["regions"]["sg"].update(
            upstreams=[url], allow_plaintext=False, tls={"ca_file": str(pki["ca_cert"])}))
        status, _, problem = await gw2.post(tenant="lenient", xff=ADDR["SG"], json_body={})
        assert status in (502, 503) and seen == ["gateway"]
    finally:
        await runner.cleanup()

"""Real HTTP through the real gateway to real aiohttp upstreams on loopback."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
import zlib

import aiohttp
import pytest
import structlog

from tests.helpers import ADDR, ADULT_ID, CHILD_ID, CN_MOBILE, JPEG, MP4, sha256


def only(backends, region):
    """Assert exactly `region` received traffic, and return its requests."""
    busy = {r for r, b in backends.items() if b.requests}
    assert busy == {region}, f"traffic reached {busy}, expected only {region}"
    return backends[region].requests


async def test_mainland_address_lands_on_cn(make_gateway, backends):
    gw = await make_gateway()
    status, headers, body = await gw.post(xff=ADDR["CN"], json_body={"image": "x"})
    assert status == 200 and body["region"] == "cn"
    assert headers["X-Residency-Region"] == "cn"
    [req] = only(backends, "cn")
    assert req["headers"]["X-Residency-Origin"] == "CN"
    assert req["headers"]["X-Residency-Decision"] == headers["X-Residency-Decision"]


async def test_overseas_addresses_land_on_the_tenants_region(make_gateway, backends):
    gw = await make_gateway()
    for where in ("SG", "ID", "JP", "HK", "TW", "US", "JP6"):
        status, headers, body = await gw.post(xff=ADDR[where], json_body={})
        assert (status, body["region"]) == (200, "sg"), where
    origins = [r["headers"]["X-Residency-Origin"] for r in only(backends, "sg")]
    assert origins == ["SG", "ID", "JP", "HK", "TW", "US", "JP"]


async def test_cidr_override_beats_geoip(make_gateway, backends):
    gw = await make_gateway()
    status, _, body = await gw.post(xff="203.0.113.201", json_body={})  # GeoIP US, override CN
    assert body["region"] == "cn"
    only(backends, "cn")


async def test_forged_xff_from_untrusted_peer_does_not_move_the_route(make_gateway, backends):
    gw = await make_gateway()
    # 127.0.0.2 is not a trusted proxy; an override places it in SG. Tenant via API key.
    conn = aiohttp.TCPConnector(local_addr=("127.0.0.2", 0))
    async with aiohttp.ClientSession(connector=conn) as s:
        status, _, body = await gw.post(tenant=None, xff=ADDR["CN"], json_body={}, session=s,
                                        headers={"X-Api-Key": "key-keyed-1"})
        assert (status, body["region"]) == (200, "sg")
        # and a tenant header from an untrusted peer is refused outright
        status, _, problem = await gw.post(tenant="acme", json_body={}, session=s)
        assert (status, problem["reason"]) == (403, "untrusted_tenant_header")
    [req] = only(backends, "sg")
    assert req["headers"]["X-Forwarded-For"] == "127.0.0.2"  # the forged entry is not passed on
    # from a trusted proxy the same header does move it
    status, _, body = await gw.post(xff=ADDR["CN"], json_body={})
    assert body["region"] == "cn"


async def test_tenant_mistakes_are_401_400_403_not_451(make_gateway, backends):
    """No credential: 401 with a WWW-Authenticate challenge naming the API key header; an empty
    one: 400; a tenant the map does not know: 403. None is a legal refusal (451)."""
    gw = await make_gateway()
    status, headers, problem = await gw.post(tenant=None, json_body={})
    assert (status, problem["reason"]) == (401, "missing_tenant_credential")
    assert headers["WWW-Authenticate"] == 'ApiKey realm="residency-gateway", header="X-Api-Key"'
    status, headers, problem = await gw.post(tenant=None, json_body={},
                                             headers={"X-Api-Key": " "})
    assert (status, problem["reason"]) == (400, "malformed_tenant_credential")
    assert "WWW-Authenticate" not in headers
    status, headers, problem = await gw.post(tenant="acne", json_body={})
    assert (status, problem["reason"]) == (403, "unknown_tenant")
    assert "WWW-Authenticate" not in headers
    assert all(not b.requests for b in backends.values())


async def test_mainland_id_in_body_from_abroad_goes_to_cn(make_gateway, backends):
    gw = await make_gateway()
    status, _, body = await gw.post(xff=ADDR["SG"], json_body={"applicant": {"id": ADULT_ID}})
    assert (status, body["region"]) == (200, "cn")
    only(backends, "cn")
    [decision] = [r for r in gw.records() if r["type"] == "decision"]
    # what the record says of the body is what inspection said, not "body not inspected; ..."
    assert decision["inspection"]["body_inspected"] is True
    assert decision["inspection"]["note"].startswith("application/json body inspected (")
    assert decision["inspection"]["subject_counts"] == {"resident_id": 1}


async def test_invalid_checksum_is_not_a_mainland_signal(make_gateway, backends):
    gw = await make_gateway()
    bad = ADULT_ID[:-1] + ("0" if ADULT_ID[-1] != "0" else "1")
    status, _, body = await gw.post(xff=ADDR["SG"], json_body={"id": bad})
    assert (status, body["region"]) == (200, "sg")


async def test_minor_is_refused_451_and_upstream_gets_nothing(make_gateway, backends):
    gw = await make_gateway()
    status, headers, problem = await gw.post(xff=ADDR["CN"], json_body={"id": CHILD_ID})
    assert status == 451
    assert headers["Content-Type"].startswith("application/problem+json")
    assert problem["reason"] == "minor_without_guardian_consent"
    assert problem["decision_id"] == headers["X-Residency-Decision"]
    assert all(not b.requests for b in backends.values())
    status, _, body = await gw.post(xff=ADDR["CN"], json_body={"id": CHILD_ID},
                                    headers={"X-Guardian-Consent": "ref-2026-11-29-7"})
    assert (status, body["region"]) == (200, "cn")


async def test_unknown_origin_is_451_by_default(make_gateway, backends):
    gw = await make_gateway()
    status, _, problem = await gw.post(xff=ADDR["NONE"], json_body={})
    assert (status, problem["reason"]) == (451, "unknown_origin")
    assert all(not b.requests for b in backends.values())


async def test_cn_down_is_503_and_no_other_upstream_sees_the_request(make_gateway, backends):
    gw = await make_gateway(down=("cn", "cn2"))
    status, _, problem = await gw.post(xff=ADDR["CN"], json_body={"image": "x"})
    assert status == 503 and problem["reason"] == "upstream_unavailable"
    assert all(not b.requests for b in backends.values())


async def test_cn_fails_over_only_inside_china(make_gateway, backends):
    gw = await make_gateway(down=("cn",))
    status, headers, body = await gw.post(xff=ADDR["CN"], json_body={})
    assert (status, body["region"], headers["X-Residency-Region"]) == (200, "cn2", "cn2")
    only(backends, "cn2")
    completion = (await gw.completions(1))[-1]
    assert completion["attempts"] == ["cn", "cn2"] and completion["region"] == "cn2"


def decisions(gw):
    return [r for r in gw.records() if r["type"] == "decision"]


async def test_overseas_fails_over_only_to_allowed_fallbacks(make_gateway, backends):
    # acme lists fallbacks jp (allowed: it has a legal basis for every transfer) and cn2 (never
    # for overseas data); bank pins Indonesian clients to id and lists jp.
    gw = await make_gateway(down=("sg",))
    status, headers, body = await gw.post(xff=ADDR["HK"], json_body={})
    assert (status, body["region"], headers["X-Residency-Region"]) == (200, "jp", "jp")
    only(backends, "jp")
    assert decisions(gw)[-1]["destination"]["fallbacks"] == ["jp"]  # cn2 is not even offered
    assert (await gw.completions(1))[-1]["attempts"] == ["sg", "jp"]

    # the allowed fallback down too: the disallowed one is still never tried
    gw = await make_gateway(down=("sg", "jp"))
    status, _, problem = await gw.post(xff=ADDR["HK"], json_body={})
    assert (status, problem["reason"]) == (503, "upstream_unavailable")
    assert backends["cn2"].requests == []
    assert (await gw.completions(1))[-1]["attempts"] == ["sg", "jp"]

    # a pin holds through failover: bank's Indonesian data never falls back to jp
    gw = await make_gateway(down=("id",))
    status, _, problem = await gw.post(tenant="bank", xff=ADDR["ID"], json_body={})
    assert (status, problem["reason"]) == (503, "upstream_unavailable")
    assert decisions(gw)[-1]["destination"]["fallbacks"] == []
    assert len(backends["jp"].requests) == 1  # only the first request above
    assert (await gw.completions(1))[-1]["attempts"] == ["id"]


async def test_client_residency_headers_never_reach_upstream(make_gateway, backends):
    gw = await make_gateway()
    await gw.post(xff=ADDR["CN"], json_body={},
                  headers={"X-Residency-Origin": "SG", "X-Residency-Region": "sg"})
    [req] = only(backends, "cn")
    assert req["headers"]["X-Residency-Origin"] == "CN"
    assert req["headers"]["X-Residency-Region"] == "cn"


async def test_hop_by_hop_headers_are_not_forwarded(make_gateway, backends):
    gw = await make_gateway()
    status, headers, _ = await gw.post(
        xff=ADDR["SG"], json_body={},
        headers={"Connection": "keep-alive, X-Hop", "X-Hop": "secret", "Keep-Alive": "timeout=5",
                 "TE": "trailers", "Proxy-Authorization": "Basic Zm9vOmJhcg==", "X-End": "kept"})
    [req] = only(backends, "sg")
    sent = {k.lower() for k in req["headers"]}
    assert {"x-hop", "keep-alive", "te", "proxy-authorization"}.isdisjoint(sent)
    assert req["headers"]["X-End"] == "kept"
    assert headers["X-Residency-Region"] == "sg"  # the upstream's forged value is replaced


async def test_query_and_method_are_forwarded(make_gateway, backends):
    gw = await make_gateway()
    from yarl import URL

    async with gw.session.put(URL(gw.url + "/v1/ocr/front?lang=zh&x=%2F", encoded=True),
                              headers={"X-Tenant-ID": "acme", "X-Forwarded-For": ADDR["SG"],
                                       "Content-Type": "image/jpeg"}, data=b"\xff\xd8jpeg") as r:
        assert r.status == 200
    [req] = only(backends, "sg")
    assert (req["method"], req["path"], req["sha256"]) == (
        "PUT", "/v1/ocr/front?lang=zh&x=%2F", sha256(b"\xff\xd8jpeg"))


async def test_malformed_json_is_400_problem_and_not_forwarded(make_gateway, backends):
    gw = await make_gateway()
    status, headers, problem = await gw.post(
        xff=ADDR["SG"], data=b'{"id": "1101', headers={"Content-Type": "application/json"})
    assert status == 400 and problem["reason"] == "malformed_payload"
    assert headers["Content-Type"].startswith("application/problem+json")
    assert all(not b.requests for b in backends.values())


@pytest.mark.parametrize("coding", ["gzip", "deflate", "br", "zstd", "gzip, br"])
async def test_compressed_bodies_are_inspected_and_forwarded_byte_for_byte(make_gateway, backends,
                                                                           coding):
    import brotli
    import zstandard

    pack = {"gzip": gzip.compress, "deflate": zlib.compress, "br": brotli.compress,
            "zstd": zstandard.ZstdCompressor().compress,
            "gzip, br": lambda b: brotli.compress(gzip.compress(b))}[coding]
    gw = await make_gateway()
    hidden = pack(json.dumps({"ocr": f"公民身份号码 {ADULT_ID}"}).encode())
    plain = pack(json.dumps({"ocr": "nothing here"}).encode())
    for body, region in ((hidden, "cn"), (plain, "sg")):
        status, _, reply = await gw.post(xff=ADDR["SG"], data=body, headers={
            "Content-Type": "application/json", "Content-Encoding": coding})
        assert (status, reply["region"]) == (200, region)
        req = backends[region].requests[-1]
        assert req["sha256"] == hashlib.sha256(body).hexdigest()
        assert req["headers"]["Content-Encoding"] == coding


async def test_broken_or_unknown_compression_is_refused(make_gateway, backends):
    gw = await make_gateway()
    status, _, problem = await gw.post(xff=ADDR["SG"], data=b"\x1f\x8b...", headers={
        "Content-Type": "application/json", "Content-Encoding": "gzip"})
    assert (status, problem["reason"]) == (400, "malformed_payload")
    status, _, problem = await gw.post(xff=ADDR["SG"], data=b"{}", headers={
        "Content-Type": "application/json", "Content-Encoding": "compress"})
    assert (status, problem["reason"]) == (415, "payload_encoding_not_inspectable")
    assert all(not b.requests for b in backends.values())


async def test_oversized_json_is_refused_not_forwarded_uninspected(make_gateway, backends):
    gw = await make_gateway(lambda m: m.update(payload={"max_inspect_bytes": 2048}))
    status, _, problem = await gw.post(xff=ADDR["SG"], json_body={"blob": "a" * 5000})
    assert (status, problem["reason"]) == (413, "payload_too_large_to_inspect")
    assert all(not b.requests for b in backends.values())


async def test_body_size_limit(make_gateway, backends):
    gw = await make_gateway(lambda m: m.update(limits={"max_body_bytes": 4096}))
    status, _, problem = await gw.post(xff=ADDR["SG"], data=b"x" * 10000,
                                       headers={"Content-Type": "video/mp4"})
    assert (status, problem["reason"]) == (413, "body_too_large")
    assert all(not b.requests for b in backends.values())


async def test_every_request_has_a_record_and_none_holds_raw_identifiers(make_gateway, backends):
    gw = await make_gateway()
    with structlog.testing.capture_logs() as logs:
        await gw.post(xff=ADDR["SG"], json_body={"id": ADULT_ID, "tel": CN_MOBILE})
        await gw.post(xff=ADDR["SG"], json_body={"id": CHILD_ID})
        await gw.post(xff=ADDR["NONE"], json_body={"tel": "13912345678"})
        await gw.post(tenant="nobody", xff=ADDR["CN"], json_body={})
    decisions = [r for r in gw.records() if r["type"] == "decision"]
    assert [d["action"] for d in decisions] == ["forward", "reject", "forward", "reject"]
    # a mainland mobile settles an otherwise unknown origin: it stays in China
    assert [d["destination"]["region"] for d in decisions] == ["cn", None, "cn", None]
    assert {s["kind"] for s in decisions[0]["subjects"]} == {"resident_id", "phone"}
    assert all(s["pseudonym"].startswith("ps1:") for s in decisions[0]["subjects"])
    assert decisions[0]["policy_version"] == gw.runtime.active.loaded.version
    assert decisions[0]["geoip_build"] and decisions[0]["origin"]["client_prefix"] == "198.51.100.0/24"
    completions = await gw.completions(2)
    assert [c["decision_id"] for c in completions] == [decisions[0]["decision_id"],
                                                       decisions[2]["decision_id"]]
    assert completions[0]["upstream_status"] == 200
    everything = gw.trail_text() + repr(logs)
    for secret in (ADULT_ID, CHILD_ID, "13912345678", "1391234", ADDR["SG"]):
        assert secret not in everything
    assert [entry["event"] for entry in logs].count("request") == 4


async def test_admin_listener_serves_health_readiness_metrics(make_gateway, backends):
    gw = await make_gateway()
    await gw.post(xff=ADDR["CN"], json_body={})
    async with gw.session.get(gw.admin + "/healthz") as r:
        assert r.status == 200
    async with gw.session.get(gw.admin + "/readyz") as r:
        assert r.status == 200 and (await r.json())["ready"] is True
    async with gw.session.get(gw.admin + "/metrics") as r:
        text = await r.text()
    assert 'rg_decisions_total{action="forward",destination="cn",origin="CN",reason="mainland_domestic"} 1.0' in text
    assert "rg_mainland_routed_outside_cn_total 0.0" in text
    # the proxy port does not shadow upstream paths: /metrics there is proxied, not ours
    status, _, body = await gw.post("/metrics", xff=ADDR["SG"], json_body={})
    assert body["region"] == "sg"


async def test_multipart_field_with_a_mainland_id_keeps_data_in_china(make_gateway, backends):
    from tests.core.test_payload import multipart

    gw = await make_gateway()
    body, ctype = multipart([(['Content-Disposition: form-data; name="id_number"'],
                              ADULT_ID.encode()),
                             (['Content-Disposition: form-data; name="face"; filename="f.jpg"',
                               "Content-Type: image/jpeg"], JPEG + b"\0" * 5000)])
    status, _, reply = await gw.post(xff=ADDR["SG"], data=body, headers={"Content-Type": ctype})
    assert (status, reply["region"]) == (200, "cn")
    [req] = only(backends, "cn")
    assert req["sha256"] == sha256(body)  # forwarded byte for byte


async def test_oversize_multipart_is_refused_or_streamed_as_configured(make_gateway, backends):
    from tests.core.test_payload import multipart

    body, ctype = multipart([(['Content-Disposition: form-data; name="note"'], b"hello"),
                             (['Content-Disposition: form-data; name="v"; filename="v.mp4"',
                               "Content-Type: video/mp4"], MP4 + b"v" * 9000)])
    gw = await make_gateway(lambda m: m.update(payload={"max_inspect_bytes": 4096}))
    status, _, problem = await gw.post(xff=ADDR["SG"], data=body, headers={"Content-Type": ctype})
    assert (status, problem["reason"]) == (413, "payload_too_large_to_inspect")
    assert all(not b.requests for b in backends.values())
    gw2 = await make_gateway(lambda m: m.update(payload={"max_inspect_bytes": 4096,
                                                         "oversize_multipart": "stream"}))

    async def chunked():  # no Content-Length: the gateway reads past the limit, then streams
        for i in range(0, len(body), 1000):
            yield body[i:i + 1000]

    status, _, reply = await gw2.post(xff=ADDR["SG"], data=chunked(),
                                      headers={"Content-Type": ctype})
    assert (status, reply["region"], reply["body_bytes"]) == (200, "sg", len(body))
    decision = [r for r in gw2.records() if r["type"] == "decision"][-1]
    assert decision["action"] == "forward"
    # the record says the body went through uninspected, and why
    assert decision["inspection"]["body_inspected"] is False
    assert "streamed uninspected (oversize_multipart: stream)" in decision["inspection"]["note"]
    assert decision["inspection"]["subject_counts"] == {}


async def test_identifiers_in_path_query_text_and_keys_are_signals_and_never_recorded(
        make_gateway, backends):
    gw = await make_gateway()
    sg = {"X-Tenant-ID": "acme", "X-Forwarded-For": ADDR["SG"], "X-Request-ID": ADULT_ID}
    with structlog.testing.capture_logs() as logs:
        async with gw.session.get(gw.url + f"/v1/subjects/{ADULT_ID}/status", headers=sg) as r:
            assert r.status == 200 and (await r.json())["region"] == "cn"
        async with gw.session.get(gw.url + f"/v1/lookup?id_number={ADULT_ID}", headers=sg) as r:
            assert (await r.json())["region"] == "cn"
        async with gw.session.post(gw.url + "/v1/notes", headers={**sg, "Content-Type":
                                   "text/plain; charset=utf-8"},
                                   data=f"applicant {ADULT_ID} called".encode()) as r:
            assert (await r.json())["region"] == "cn"
        async with gw.session.post(gw.url + "/v1/batch", headers=sg,
                                   json={ADULT_ID: {"status": "ok"}}) as r:
            assert (await r.json())["region"] == "cn"
        plain = {k: v for k, v in sg.items() if k != "X-Request-ID"}
        async with gw.session.post(gw.url + "/v1/notes", headers={**plain, "Content-Type":
                                   "text/plain"}, data=b"nothing to see") as r:
            assert (await r.json())["region"] == "sg"
        # a request id is forwarded upstream too: one that holds an ID keeps data in China
        async with gw.session.post(gw.url + "/v1/notes", headers={**sg, "Content-Type":
                                   "text/plain"}, data=b"nothing to see") as r:
            assert (await r.json())["region"] == "cn"
        async with gw.session.post(gw.url + "/v1/verify", headers={**sg, "X-Id-Number": ADULT_ID},
                                   json={}) as r:
            assert (await r.json())["region"] == "cn"
    decisions = [r for r in gw.records() if r["type"] == "decision"]
    assert decisions[0]["path"] == "/v1/subjects/{redacted}/status"
    wheres = [{s["detail"].split("@")[0].split("+")[0] for s in d["origin"]["signals"][1:]}
              for d in decisions[:4]]
    assert [w >= {want} for w, want in zip(wheres, ("path", "query", "body", "body"), strict=True)] == \
        [True] * 4, wheres
    assert [e["event"] for e in logs].count("request") == 7  # the log lines were captured
    assert {e["path"] for e in logs if e["event"] == "request"} >= {
        "/v1/subjects/{redacted}/status"}
    everything = gw.trail_text() + repr(logs)
    i = everything.find(ADULT_ID)
    assert i < 0, everything[max(0, i - 300):i + 50]
    assert all(d["request_id"] != ADULT_ID for d in decisions)


async def test_an_id_number_in_chinese_numerals_in_the_path_is_a_signal_and_never_recorded(
        make_gateway):
    """The scanner reads seven Chinese numerals in a row as digits (an ID number written out,
    as in a transcript): the path that holds one is routed to China, and recorded and logged
    with the number redacted, as the same number in fullwidth or ASCII digits is."""
    gw = await make_gateway()
    sg = {"X-Tenant-ID": "acme", "X-Forwarded-For": ADDR["SG"]}
    spelled = ADULT_ID.translate(str.maketrans("0123456789", "〇一二三四五六七八九"))
    with structlog.testing.capture_logs() as logs:
        async with gw.session.get(gw.url + f"/v1/subjects/{spelled}/status", headers=sg) as r:
            assert r.status == 200 and (await r.json())["region"] == "cn"
    decisions = [r for r in gw.records() if r["type"] == "decision"]
    # (a path that is not plain ASCII: every segment with a digit is redacted)
    assert decisions[0]["path"] == "/{redacted}/subjects/{redacted}/status"
    assert {e["path"] for e in logs if e["event"] == "request"} == {
        "/{redacted}/subjects/{redacted}/status"}
    everything = gw.trail_text() + repr(logs)
    i = everything.find(spelled[:7])
    assert i < 0, everything[max(0, i - 300):i + 50]


async def test_gateway_abroad_keeps_mainland_records_in_the_china_store(make_gateway, backends,
                                                                        tmp_path):
    from residency_gateway.audit.export import verify_store
    from residency_gateway.audit.sources import FileSource
    from residency_gateway.regionmap.load import ConfigError

    with pytest.raises(ConfigError, match="RG_AUDIT_MAINLAND_STORE"):
        await make_gateway(region="sg")
    china = tmp_path / "china-trail"
    gw = await make_gateway(region="sg", audit_mainland_store=str(china))
    await gw.post(xff=ADDR["CN"], json_body={})
    await gw.post(xff=ADDR["SG"], json_body={"id": ADULT_ID})  # mainland by its payload
    await gw.post(xff=ADDR["HK"], json_body={})
    await gw.completions(1)
    local = [r for r in gw.records() if r["type"] == "decision"]
    assert [r["origin"]["jurisdiction"] for r in local] == ["HK"]
    abroad = FileSource(china)
    log_id = gw.runtime.trail.log_id + "-mainland"
    assert abroad.logs() == [log_id]
    mainland = [json.loads(line)["record"] for _, line in abroad.entries(log_id)]
    assert [r["origin"]["jurisdiction"] for r in mainland if r["type"] == "decision"] == ["CN",
                                                                                         "CN"]
    await gw.running.stop()
    findings, _ = verify_store(abroad, None)
    assert [f for f in findings if f.severity == "error"] == []


async def test_client_that_stalls_mid_body_gets_408_and_a_record(make_gateway, backends):
    gw = await make_gateway(lambda m: m.update(limits={"client_idle_timeout_s": 0.3}))
    reader, writer = await asyncio.open_connection("127.0.0.1", gw.running.proxy_port)
    writer.write((f"POST /v1/compare HTTP/1.1\r\nHost: x\r\nX-Tenant-ID: acme\r\n"
                  f"X-Forwarded-For: {ADDR['SG']}\r\nContent-Type: application/json\r\n"
                  "Content-Length: 100\r\n\r\n{\"a\": ").encode())
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    writer.close()
    await writer.wait_closed()
    assert head.startswith(b"HTTP/1.1 408")
    [decision] = [r for r in gw.records() if r["type"] == "decision"]
    assert decision["reasons"][-1] == "client_body_timeout"
    assert all(not b.requests for b in backends.values())


async def test_rfc7239_forwarded_header_when_the_map_says_so(make_gateway, backends):
    gw = await make_gateway(lambda m: m.update(client_address_header="forwarded"))
    status, _, body = await gw.post(headers={"Forwarded": f'for="{ADDR["CN"]}:4711";proto=https'},
                                    json_body={})
    assert (status, body["region"]) == (200, "cn")
    # with the Forwarded setting, an X-Forwarded-For a client slipped in is not read at all
    status, _, problem = await gw.post(xff=ADDR["SG"], json_body={})
    assert (status, problem["reason"]) == (451, "unknown_origin")  # the peer is 127.0.0.1
    status, _, problem = await gw.post(headers={"Forwarded": "for=_hidden"}, json_body={})
    assert (status, problem["reason"]) == (451, "unknown_origin")


async def test_client_words_in_forwarding_headers_never_reach_the_upstream(make_gateway,
                                                                          backends):
    """Behind a trusted load balancer, X-Forwarded-For is "<what the client sent>, <client>":
    the client's part was forwarded unread, and an ID number in it reached SG. Only the
    addresses the gateway read and vouches for are passed on, in either header setting."""
    gw = await make_gateway()
    lefts = [ADULT_ID, f"{ADULT_ID}, 8.8.8.8", CN_MOBILE, f"tel:+86{CN_MOBILE}",
             f"{ADULT_ID[:6]} {ADULT_ID[6:]}", "unknown"]
    for left in lefts:
        status, _, body = await gw.post(xff=f"{left}, {ADDR['SG']}", json_body={"image": "x"})
        assert (status, body["region"]) == (200, "sg"), left
    # the same, as two header lines
    status, _, body = await gw.post(headers=[("X-Forwarded-For", ADULT_ID),
                                             ("X-Forwarded-For", ADDR["SG"])], json_body={})
    assert (status, body["region"]) == (200, "sg")
    sent = only(backends, "sg")
    assert [r["headers"]["X-Forwarded-For"] for r in sent] == \
        [f"{ADDR['SG']}, 127.0.0.1"] * (len(lefts) + 1)
    assert not any(ADULT_ID[:6] in str(r) or CN_MOBILE in str(r) for r in sent)
    backends["sg"].requests.clear()

    gw = await make_gateway(lambda m: m.update(client_address_header="forwarded"))
    status, _, body = await gw.post(
        xff=ADULT_ID, json_body={},
        headers={"Forwarded": f'for="[2001:DB8:81:0::5]:4711", for={ADDR["SG"]}'})
    assert (status, body["region"]) == (200, "sg")
    [req] = only(backends, "sg")
    # (the SG hop is the client: the JP6 address left of it is the client's own word)
    assert req["headers"]["X-Forwarded-For"] == f"{ADDR['SG']}, 127.0.0.1"
    assert ADULT_ID[:6] not in str(req)


async def test_a_credential_header_the_mode_does_not_read_is_inspected(make_gateway, backends):
    gw = await make_gateway(lambda m: m.update(tenant_identification={"mode": "api_key"}))
    status, _, body = await gw.post(tenant=None, xff=ADDR["SG"], json_body={},
                                    headers={"X-Api-Key": "key-keyed-1", "X-Tenant-ID": ADULT_ID})
    assert (status, body["region"]) == (200, "cn")
    only(backends, "cn")


async def test_a_method_outside_the_known_ones_is_not_forwarded(make_gateway, backends):
    """A method is any token, and it would go upstream, into the record and into the log as
    sent. aiohttp's C parser admits only the methods llhttp knows (a made-up one with an ID
    number in it is its 400); of those, the ones the gateway does not forward (TRACE, WebDAV's,
    PURGE, ...) are a recorded 501, shown as OTHER. (With the pure-Python parser any token
    passes the parser, and this check is the one that holds.)"""
    gw = await make_gateway()
    odd = ("TRACE", "PROPFIND", "PURGE", "MKCOL", "LINK", "SEARCH", "REPORT")
    for method in (*odd, f"ID{ADULT_ID}", "post"):
        reader, writer = await asyncio.open_connection("127.0.0.1", gw.running.proxy_port)
        writer.write((f"{method} /v1/compare HTTP/1.1\r\nHost: x\r\nX-Tenant-ID: acme\r\n"
                      f"X-Forwarded-For: {ADDR['SG']}\r\nContent-Length: 2\r\n\r\n{{}}"
                      ).encode())
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), 5)
        writer.close()
        head, _, body = answer.partition(b"\r\n\r\n")
        if method in odd:
            assert head.startswith(b"HTTP/1.1 501"), (method, head)
            assert b"application/problem+json" in head
            assert json.loads(body)["reason"] == "method_not_implemented"
        else:
            assert head.split(b" ", 2)[1] == b"400", (method, head)
    assert all(not b.requests for b in backends.values())
    records = [r for r in gw.records() if r["type"] == "decision"]
    assert [r["method"] for r in records] == ["OTHER"] * len(odd)
    assert ADULT_ID[:6] not in gw.trail_text()
    # the known ones go on
    for method in ("GET", "PUT", "PATCH", "DELETE", "OPTIONS", "QUERY"):
        async with gw.session.request(method, gw.url + "/v1/compare", headers={
                "X-Tenant-ID": "acme", "X-Forwarded-For": ADDR["SG"]}) as r:
            assert r.status == 200, method
    assert [r["method"] for r in only(backends, "sg")] == [
        "GET", "PUT", "PATCH", "DELETE", "OPTIONS", "QUERY"]


async def test_an_id_in_a_jpeg_comment_routes_the_streamed_image_to_cn(make_gateway, backends):
    # the image itself streams uninspected; the text in its first bytes (a JPEG comment,
    # EXIF, XMP) is read before the decision
    body = (JPEG[:20] + b"\xff\xfe\x00\x20" + f"id {ADULT_ID}   ".encode()[:30]
            + JPEG[20:] * 200)
    gw = await make_gateway()
    status, _, reply = await gw.post(xff=ADDR["SG"], data=body,
                                     headers={"Content-Type": "image/jpeg"})
    assert (status, reply["region"]) == (200, "cn")
    [req] = only(backends, "cn")
    assert req["sha256"] == sha256(body)  # forwarded byte for byte


async def test_an_id_in_wav_metadata_after_the_samples_routes_the_held_audio_to_cn(
        make_gateway, backends):
    # round 22: audio up to max_inspect_bytes is held and walked (a LIST/INFO chunk after
    # 64 KB of samples, as sox and Audacity write it), then forwarded byte for byte; the
    # same file without it goes where the client is
    def chunk(cid: bytes, data: bytes) -> bytes:
        return cid + len(data).to_bytes(4, "little") + data + b"\0" * (len(data) % 2)

    fmt = chunk(b"fmt ", bytes.fromhex("01000100803e0000007d00000200100000"[:32]))
    samples = chunk(b"data", bytes(range(256)) * 256)
    info = chunk(b"LIST", b"INFO" + chunk(b"ICMT", f"id {ADULT_ID}\0".encode()))
    gw = await make_gateway()
    for tail, region in ((info, "cn"), (b"", "sg")):
        inner = b"WAVE" + fmt + samples + tail
        body = b"RIFF" + len(inner).to_bytes(4, "little") + inner
        status, _, reply = await gw.post(xff=ADDR["SG"], data=body,
                                         headers={"Content-Type": "audio/wav"})
        assert (status, reply["region"]) == (200, region)
        assert backends[region].requests[-1]["sha256"] == sha256(body)  # (byte for byte)
    assert [len(backends[r].requests) for r in ("cn", "sg")] == [1, 1]

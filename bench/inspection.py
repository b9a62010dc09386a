"""Inspection benchmarks: the tokenizer on a typical 2 KB KYC JSON body (median, against
`json.loads` of the same bytes as the baseline measured in the same run), every body of the
inspection corpus, and how long a concurrent small request waits while the gateway inspects a
1 MiB body (in its worker processes) against the same request on an idle gateway."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import random
import statistics
import time
from pathlib import Path

import aiohttp

from bench.common import demo_setup
from residency_gateway.core.idnumber import check_character
from residency_gateway.core.payload import (
    InspectOptions,
    NothingSeen,
    inspect_body,
    scan_request_line,
)
from residency_gateway.gateway.app import start
from residency_gateway.gateway.runtime import Runtime
from residency_gateway.settings import Settings

TODAY = dt.date(2026, 11, 29)
VALID_ID = "11010119900307123" + check_character("11010119900307123")
KEY = b"k" * 32
MEMO_KEY = b"m" * 32  # the digests' key (the gateway draws one per process)


def kyc_body(with_identifiers: bool) -> bytes:
    """A typical ID-card OCR result, about 2 KB."""
    fields = {
        "request_id": "4f1c2a9e-8d7b-4c3e-9a1f-2b6d8e0c5a71", "biz_token": "tkn_9f8e7d6c5b4a",
        "api_version": "v3", "timestamp": "2026-11-29T12:00:00.123Z",
        "card_side": "front", "quality": {"blur": 0.02, "glare": 0.11, "integrity": 0.98},
        "result": {
            "name": {"value": "张三", "confidence": 0.997},
            "gender": {"value": "男", "confidence": 0.999},
            "nationality": {"value": "汉", "confidence": 0.995},
            "birth": {"year": 1990, "month": 3, "day": 7, "confidence": 0.993},
            "address": {"value": "北京市东城区景山前街4号故宫博物院内东华门附近的一条小胡同里",
                        "confidence": 0.981},
            "id_number": {"value": VALID_ID if with_identifiers else "redacted",
                          "confidence": 0.999},
            "issued_by": {"value": "北京市公安局东城分局", "confidence": 0.990},
            "valid_date": {"value": "2016.03.07-2036.03.07", "confidence": 0.987},
        },
        "contact": {"mobile": "+86 139 1234 5678" if with_identifiers else "withheld"},
        "legality": {"id_photo": 0.994, "temporary_id_photo": 0.001, "photocopy": 0.002,
                     "screen": 0.001, "edited": 0.002},
        "face_rect": {"left": 412, "top": 233, "width": 388, "height": 402},
        "warnings": ["none"], "notes": "OCR result for a second-generation resident ID card "
                                       "captured by the mobile SDK; quality checks passed. " * 6,
    }
    return json.dumps(fields, ensure_ascii=False).encode()


def client_headers() -> list[tuple[str, str]]:
    """What a mobile browser or SDK sends beside the body on every request: User-Agent,
    Accept*, a cookie (analytics + session) and a bearer JWT (claims, signature)."""
    def b64(obj: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    jwt = ".".join((b64({"alg": "RS256", "typ": "JWT", "kid": "k-2026-11"}), b64({
        "sub": "tenant-acme/user-5f3a9c", "iss": "https://auth.example.com/", "aud": "kyc-api",
        "iat": 1764460800, "exp": 1764464400, "scope": "kyc:verify face:compare"}),
        base64.urlsafe_b64encode(random.Random(7).randbytes(256)).rstrip(b"=").decode()))
    session = base64.b64encode(random.Random(8).randbytes(48)).decode()
    return [
        ("User-Agent", "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/UD1A.230803.041) "
                       "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.39 Mobile "
                       "Safari/537.36"),
        ("Accept", "application/json, text/plain, */*"),
        ("Accept-Language", "en-SG,en;q=0.9,zh-CN;q=0.8"),
        ("Accept-Encoding", "gzip, deflate, br"),
        ("Cookie", f"_ga=GA1.2.1234567890.1764460800; _gid=GA1.2.987654321.1764460800; "
                   f"session={session}"),
        ("Authorization", f"Bearer {jwt}"),
    ]


JPEG_HEAD = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + (len(payload) + 2).to_bytes(2, "big") + payload


def photo(size: int, seed: int = 1) -> bytes:
    """A baseline JPEG as a camera writes one: a JFIF head, quantisation and Huffman tables,
    a frame header, a scan header, then `size` bytes of entropy-coded data (random, with each
    0xFF stuffed by a 0x00 as in a real scan) and the end marker. (Until 2026-12-01 this was a
    JFIF head followed by random bytes, which no camera writes: since round 22 an image whose
    structure breaks is read as binary from the break, which such a photo did at byte 20.)"""
    rnd = random.Random(seed)
    tables = (_segment(0xDB, b"\x00" + bytes(range(1, 65)))
              + _segment(0xC0, b"\x08\x01\xe0\x02\x80\x03\x01\x22\x00\x02\x11\x01"
                         b"\x03\x11\x01")
              + _segment(0xC4, b"\x00" + bytes([0, 1, 5, 1, 1, 1, 1, 1, 1] + [0] * 7)
                         + bytes(range(12)))
              + _segment(0xDA, b"\x03\x01\x00\x02\x11\x03\x11\x00\x3f\x00"))
    scan = rnd.randbytes(size).replace(b"\xff", b"\xff\x00")
    return JPEG_HEAD + tables + scan + b"\xff\xd9"


def photo_form(size: int = 150_000) -> tuple[bytes, str]:
    """A face photo and two fields, as a mobile SDK uploads them (multipart/form-data)."""
    body = (b'--rgbench\r\nContent-Disposition: form-data; name="image"; filename="face.jpg"'
            b"\r\nContent-Type: image/jpeg\r\n\r\n" + photo(size) + b"\r\n--rgbench\r\n"
            b'Content-Disposition: form-data; name="biz_token"\r\n\r\ntkn_9f8e7d6c5b4a\r\n'
            b'--rgbench\r\nContent-Disposition: form-data; name="liveness"\r\n\r\n0.98\r\n'
            b"--rgbench--\r\n")
    return body, "multipart/form-data; boundary=rgbench"


def face_compare_json(size: int = 150_000) -> bytes:
    """Two photos as base64 in JSON, as face-compare APIs take them."""
    return json.dumps({"request_id": "4f1c2a9e-8d7b-4c3e-9a1f-2b6d8e0c5a71",
                       "image1": base64.b64encode(photo(size, 1)).decode(),
                       "image2": base64.b64encode(photo(size, 2)).decode(),
                       "threshold": 0.8}).encode()


def cjk_punctuated(body: bytes) -> bytes:
    """The same body as OCR of a Chinese card writes it: fullwidth digits, brackets, commas and
    colons and the ideographic full stop in its Chinese values (the slow path of NFKC)."""
    text = body.decode()
    for plain, cjk in (("景山前街4号", "景山前街\uff14号\uff08故宫博物院\uff09\uff0c"),
                       ("东城分局", "东城分局\u3002"), ("小胡同里", "小胡同里\uff1a东华门")):
        text = text.replace(plain, cjk)
    return text.encode()


def median_us(fn, n: int) -> float:
    samples = []
    for _ in range(n):
        began = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - began) * 1e6)
    return statistics.median(samples)


def bench_scan(n: int) -> None:
    print("== inspection (one core, no I/O)")
    opts = InspectOptions()
    for label, body in (("without identifiers", kyc_body(False)),
                        ("with an ID and a phone", kyc_body(True)),
                        ("Chinese punctuation", cjk_punctuated(kyc_body(False)))):
        base = median_us(lambda body=body: json.loads(body), n)
        scan = median_us(lambda body=body: inspect_body(
            body, content_type="application/json", key=KEY, today=TODAY, options=opts), n)
        print(f"2 KB JSON {label:24s} {len(body)} B  json.loads {base:6.1f} us   "
              f"inspection {scan:6.1f} us median   x{scan / base:5.2f} of json.loads")
    headers = client_headers()
    memo = NothingSeen(MEMO_KEY)
    bare = median_us(lambda: scan_request_line("/v1/compare", "", key=KEY, today=TODAY), n)
    cold = median_us(lambda: scan_request_line("/v1/compare", "", key=KEY, today=TODAY,
                                               headers=headers), n)
    warm = median_us(lambda: scan_request_line("/v1/compare", "", key=KEY, today=TODAY,
                                               headers=headers, memo=memo), n)
    print(f"request line with {len(headers)} client headers: {cold:6.1f} us read in full, "
          f"{warm:6.1f} us with the memo (x{warm / cold:.2f}); no headers {bare:6.1f} us")
    form, form_type = photo_form()
    blob = random.Random(3).randbytes(64 * 1024)
    for label, body, ctype, runs in (
            ("face photo in a form (150 KB JPEG data)", form, form_type, 20),
            ("face-compare JSON (2 photos, base64)", face_compare_json(), "application/json", 10),
            ("opaque 64 KiB blob (octet-stream)", blob, "application/octet-stream", 20)):
        took = median_us(lambda body=body, ctype=ctype: inspect_body(
            body, content_type=ctype, key=KEY, today=TODAY, options=opts), runs)
        print(f"{label:42s} {len(body) / 1024:6.0f} KiB  {took / 1e3:7.2f} ms median  "
              f"{len(body) / took:6.1f} MB/s")
    from tests.corpus import load

    cases = [c for c in load() if c.body]
    began = time.perf_counter()
    for c in cases:
        inspect_body(c.body, content_type=dict(c.headers).get("Content-Type", ""),
                     content_encoding=dict(c.headers).get("Content-Encoding", ""), key=KEY,
                     today=TODAY, options=opts)
    print(f"corpus: {len(cases)} bodies in {(time.perf_counter() - began) * 1e3:.1f} ms")


async def _small(s: aiohttp.ClientSession, url: str) -> float:
    began = time.perf_counter()
    async with s.post(url + "/v1/compare", json={"ok": 1},
                      headers={"X-Tenant-ID": "acme", "X-Forwarded-For": "198.51.100.10"}) as r:
        await r.read()
    return (time.perf_counter() - began) * 1e3


async def bench_loop_delay(tmp: Path, upstream_url: str) -> None:
    print("== a small request while a 1 MiB body is inspected (gateway on loopback)")
    maps, geo = demo_setup(tmp, "delay", upstream_url)
    rt = Runtime.create(Settings(region_map=[maps], geoip_db=geo,
                                 data_dir=tmp / "delay-data", listen_host="127.0.0.1",
                                 log_id="bench-delay", log_level="warning"))
    running = await start(rt, host="127.0.0.1", port=0, admin_host="127.0.0.1", admin_port=0)
    url = f"http://127.0.0.1:{running.proxy_port}"
    rng = random.Random(1)
    big = json.dumps([f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
                      for _ in range(70_000)]).encode()[: 1024 * 1024 - 2] + b'"]'
    async with aiohttp.ClientSession() as s:
        idle = sorted([await _small(s, url) for _ in range(30)])
        big_task = asyncio.create_task(s.post(url + "/v1/batch", data=big, headers={
            "X-Tenant-ID": "acme", "X-Forwarded-For": "198.51.100.10",
            "Content-Type": "application/octet-stream"}))
        began = time.perf_counter()
        during: list[float] = []
        while not big_task.done() and time.perf_counter() - began < 30:
            during.append(await _small(s, url))
            await asyncio.sleep(0.005)
        reply = await big_task
        await reply.read()
        scan_s = time.perf_counter() - began
    await running.stop()
    worst = max(during) if during else float("nan")
    print(f"1 MiB body ({len(big)} B, status {reply.status}) inspected in {scan_s:.2f} s; "
          f"{len(during)} small requests meanwhile: worst {worst:.1f} ms, idle p50 "
          f"{idle[len(idle) // 2]:.1f} ms; added delay {worst - idle[len(idle) // 2]:.1f} ms "
          "(target <= 50)")

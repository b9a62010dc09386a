"""Seeded generator of ordinary overseas KYC traffic (Singapore, Indonesia, Japan, Hong Kong,
Malaysia, Thailand, the Philippines, Vietnam): the bodies a face-compare, liveness or ID-OCR API
sees from clients outside the mainland, with their own identity numbers (NRIC, NIK, My Number,
HKID, MyKad), phone numbers in each country's spellings, addresses with postal codes, dates,
epoch timestamps, amounts, bank accounts, masked cards, UUIDs, hashes and base64 blobs.

None of it holds mainland-Chinese personal data, so every body must be read as overseas: the
false-positive side of every reading the scanner has (a reading that makes a mainland ID or
mobile of these sends a Singapore customer's data to China). Used by
tests/core/test_overseas_traffic_fp.py; `python -m tests.core.overseas_traffic N` prints
what it finds on N seeds."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import urllib.parse
import uuid
from collections.abc import Callable

# --- identity numbers of the region (with their real check characters) ----------------------


def sg_nric(r: random.Random) -> str:
    prefix = r.choice("STFG")
    digits = [r.randrange(10) for _ in range(7)]
    total = sum(d * w for d, w in zip(digits, (2, 7, 6, 5, 4, 3, 2), strict=True))
    total += 4 if prefix in "TG" else 0
    letters = "JZIHGFEDCBA" if prefix in "ST" else "XWUTRQPNMLK"
    return prefix + "".join(map(str, digits)) + letters[total % 11]


def id_nik(r: random.Random) -> str:
    province = r.choice(["11", "12", "13", "14", "16", "18", "31", "32", "33", "34", "35",
                         "36", "51", "52", "53", "61", "64", "71", "73", "91"])
    day = r.randint(1, 28) + (40 if r.random() < 0.5 else 0)
    return (f"{province}{r.randint(1, 79):02d}{r.randint(1, 40):02d}{day:02d}"
            f"{r.randint(1, 12):02d}{r.randint(0, 99):02d}{r.randint(1, 9999):04d}")


def jp_my_number(r: random.Random) -> str:
    body = [r.randrange(10) for _ in range(11)]
    total = sum(d * (n + 1 if n <= 6 else n - 5)
                for n, d in zip(range(1, 12), reversed(body), strict=True))
    rem = total % 11
    return "".join(map(str, body)) + str(0 if rem <= 1 else 11 - rem)


def hkid(r: random.Random) -> str:
    letter = r.choice("ACDEGHKMPRVYZ")
    digits = "".join(str(r.randrange(10)) for _ in range(6))
    total = 9 * 36 + 8 * (ord(letter) - 55) + sum(
        (7 - i) * int(d) for i, d in enumerate(digits))
    check = (11 - total % 11) % 11
    return f"{letter}{digits}({'A' if check == 10 else check})"


def my_mykad(r: random.Random) -> str:
    return (f"{r.randint(60, 99):02d}{r.randint(1, 12):02d}{r.randint(1, 28):02d}-"
            f"{r.choice(['01', '05', '08', '10', '14'])}-{r.randint(1, 9999):04d}")


def th_id(r: random.Random) -> str:
    body = [r.randint(1, 8)] + [r.randrange(10) for _ in range(11)]
    check = (11 - sum(d * (13 - i) for i, d in enumerate(body)) % 11) % 10
    digits = "".join(map(str, body)) + str(check)
    return f"{digits[0]}-{digits[1:5]}-{digits[5:10]}-{digits[10:12]}-{digits[12]}"


def vn_cccd(r: random.Random) -> str:
    province = r.choice(["001", "010", "014", "015", "017", "019", "031", "048", "079", "092"])
    return f"{province}{r.choice('0123')}{r.randint(50, 99):02d}{_d_plain(r, 6)}"


def kr_rrn(r: random.Random) -> str:
    return f"{r.randint(60, 99):02d}{r.randint(1, 12):02d}{r.randint(1, 28):02d}-" \
           f"{r.choice('12')}{_d_plain(r, 6)}"


def _d_plain(r: random.Random, n: int) -> str:
    return "".join(str(r.randrange(10)) for _ in range(n))


# --- phones, each country's spellings ------------------------------------------------------


def _d(r: random.Random, n: int) -> str:
    return "".join(str(r.randrange(10)) for _ in range(n))


def phone(r: random.Random) -> str:
    kind = r.randrange(12)
    if kind == 0:
        return f"+65 {r.choice('89')}{_d(r, 3)} {_d(r, 4)}"
    if kind == 1:
        return f"{r.choice('689')}{_d(r, 7)}"
    if kind == 2:
        return f"+62 8{r.choice('1235789')}{_d(r, 1)}-{_d(r, 4)}-{_d(r, r.randint(3, 4))}"
    if kind == 3:
        return f"08{r.choice('1235789')}{_d(r, 1)}{_d(r, r.randint(6, 8))}"
    if kind == 4:
        return f"0{r.choice('789')}0-{_d(r, 4)}-{_d(r, 4)}"
    if kind == 5:
        return f"+81 {r.choice('789')}0-{_d(r, 4)}-{_d(r, 4)}"
    if kind == 6:
        return f"+852 {r.choice('5679')}{_d(r, 3)} {_d(r, 4)}"
    if kind == 7:
        return f"+60 1{r.choice('0234679')}-{_d(r, 3)} {_d(r, 4)}"
    if kind == 8:
        return f"+66 {r.choice('689')}{_d(r, 1)} {_d(r, 3)} {_d(r, 4)}"
    if kind == 9:
        return f"+63 9{_d(r, 2)} {_d(r, 3)} {_d(r, 4)}"
    if kind == 10:
        return f"+84 {r.choice('3579')}{_d(r, 1)} {_d(r, 3)} {_d(r, 2)} {_d(r, 2)}"
    return f"+6{r.choice('2556')}{_d(r, 9)}"


# --- the rest of a record -----------------------------------------------------------------

_SG_NAMES = ["Tan Wei Ming", "Lim Mei Ling", "Nur Aisyah binte Rahman", "Rajesh s/o Kumar",
             "Ong Jia Hui", "Muhammad Hafiz"]
_ID_NAMES = ["Budi Santoso", "Siti Nurhaliza", "Agus Wijaya", "Dewi Lestari", "I Made Arya"]
_JP_NAMES = ["山田 太郎", "佐藤 花子", "鈴木 一郎", "Tanaka Yui", "高橋 健"]


def date(r: random.Random, lo: int = 1950, hi: int = 2008) -> str:
    return f"{r.randint(lo, hi)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}"


def epoch_ms(r: random.Random) -> int:
    return r.randint(1_600_000_000_000, 1_800_000_000_000)


def amount(r: random.Random) -> str:
    kind = r.randrange(4)
    value = r.randint(1, 99_999_999)
    if kind == 0:
        return f"{value / 100:,.2f}"
    if kind == 1:
        return f"Rp {value * 10:,}".replace(",", ".")
    if kind == 2:
        return f"¥{value:,}"
    return str(value)


def address(r: random.Random) -> str:
    kind = r.randrange(3)
    if kind == 0:
        return (f"Blk {r.randint(1, 999)} Ang Mo Kio Ave {r.randint(1, 10)} "
                f"#{r.randint(1, 30):02d}-{r.randint(1, 999):03d} Singapore {_d(r, 6)}")
    if kind == 1:
        return (f"Jl. Sudirman No. {r.randint(1, 200)} RT {r.randint(1, 20):03d}/RW "
                f"{r.randint(1, 20):03d}, Kel. Menteng, Jakarta {r.randint(10110, 14450)}")
    return (f"〒{_d(r, 3)}-{_d(r, 4)} 東京都渋谷区渋谷{r.randint(1, 4)}-{r.randint(1, 30)}-"
            f"{r.randint(1, 20)}")


def blob(r: random.Random, lo: int = 24, hi: int = 600) -> str:
    return base64.b64encode(r.randbytes(r.randint(lo, hi))).decode()


def request_meta(r: random.Random) -> dict[str, object]:
    return {"request_id": str(uuid.UUID(int=r.getrandbits(128))),
            "timestamp": epoch_ms(r), "client_ip_hash": hashlib.sha256(r.randbytes(8)).hexdigest(),
            "sdk_version": f"{r.randint(1, 9)}.{r.randint(0, 30)}.{r.randint(0, 99)}",
            "device": {"model": r.choice(["SM-G991B", "iPhone14,5", "Pixel 7", "CPH2451"]),
                       "os": r.choice(["Android 14", "iOS 17.2.1", "Android 13"]),
                       "screen": f"{r.choice([1080, 1170, 1440])}x{r.choice([2340, 2532, 3200])}"}}


def ocr_result(r: random.Random) -> dict[str, object]:
    country = r.randrange(8)
    if country == 0:
        fields = {"document_type": "NRIC", "id_number": sg_nric(r), "name": r.choice(_SG_NAMES),
                  "date_of_birth": date(r), "race": "CHINESE", "sex": r.choice("MF"),
                  "address": address(r), "postal_code": _d(r, 6), "date_of_issue": date(r, 2010,
                                                                                      2025)}
    elif country == 1:
        fields = {"document_type": "KTP", "nik": id_nik(r), "nama": r.choice(_ID_NAMES),
                  "tempat_tgl_lahir": f"JAKARTA, {r.randint(1, 28):02d}-{r.randint(1, 12):02d}-"
                                      f"{r.randint(1950, 2006)}",
                  "alamat": address(r), "rt_rw": f"{r.randint(1, 20):03d}/{r.randint(1, 20):03d}",
                  "berlaku_hingga": "SEUMUR HIDUP"}
    elif country == 2:
        fields = {"document_type": "my_number_card", "individual_number": jp_my_number(r),
                  "name": r.choice(_JP_NAMES), "birth_date": date(r), "address": address(r),
                  "expiry": date(r, 2026, 2036)}
    elif country == 3:
        fields = {"document_type": "HKID", "hkid": hkid(r), "name": "CHAN Tai Man",
                  "date_of_birth": date(r), "date_of_issue": date(r, 2018, 2025),
                  "symbols": "***AZ"}
    elif country == 4:
        fields = {"document_type": "MyKad", "ic_number": my_mykad(r), "name": "Ahmad bin Ali",
                  "address": address(r)}
    elif country == 5:
        fields = {"document_type": "thai_id", "id_number": th_id(r), "name_th": "สมชาย ใจดี",
                  "date_of_birth": date(r), "address": "99/1 ถนนสุขุมวิท กรุงเทพฯ 10110"}
    elif country == 6:
        fields = {"document_type": "CCCD", "so_cccd": vn_cccd(r), "ho_ten": "NGUYỄN VĂN AN",
                  "ngay_sinh": f"{r.randint(1, 28):02d}/{r.randint(1, 12):02d}/"
                               f"{r.randint(1950, 2006)}", "sdt": phone(r)}
    else:
        fields = {"document_type": "RRN", "rrn": kr_rrn(r), "name": "김민준",
                  "phone": f"010-{_d_plain(r, 4)}-{_d_plain(r, 4)}"}
    confidences = {k: round(r.uniform(0.8, 1.0), 4) for k in fields}
    return {**request_meta(r), "result": {"fields": fields, "confidence": confidences,
                                          "quad": [r.randint(0, 2000) for _ in range(8)]},
            "contact": {"phone": phone(r), "email": f"user{r.randint(1, 99999)}@example.com"}}


def liveness(r: random.Random) -> dict[str, object]:
    return {**request_meta(r), "liveness_score": round(r.random(), 6),
            "frames": [{"t": epoch_ms(r), "score": round(r.random(), 5),
                        "bbox": [r.randint(0, 1000) for _ in range(4)]}
                       for _ in range(r.randint(2, 8))],
            "challenge": r.choice(["blink", "turn_left", "smile"]), "image": blob(r)}


def face_compare(r: random.Random) -> dict[str, object]:
    return {**request_meta(r), "image_a": blob(r), "image_b": blob(r),
            "similarity": round(r.uniform(0, 100), 3), "threshold": {"1e-3": 62.169,
                                                                    "1e-4": 69.315}}


def payment_like(r: random.Random) -> dict[str, object]:
    return {**request_meta(r), "order_id": f"ORD-{r.randint(20240101, 20261231)}-{_d(r, 6)}",
            "amount": amount(r), "currency": r.choice(["SGD", "IDR", "JPY", "HKD"]),
            "card": f"{r.choice(['4111', '5500', '3782'])} **** **** {_d(r, 4)}",
            "bank_account": r.choice([f"{_d(r, 3)}-{_d(r, 6)}-{_d(r, 1)}", _d(r, 10)]),
            "payer_phone": phone(r), "paid_at": date(r, 2024, 2026)}


def csv_export(r: random.Random) -> str:
    rows = ["txn_id,date,amount,currency,phone,branch"]
    for _ in range(r.randint(3, 20)):
        rows.append(f"{_d(r, 12)},{date(r, 2024, 2026)},{amount(r).replace(',', '')},"
                    f"{r.choice(['SGD', 'IDR', 'JPY'])},{phone(r)},{r.randint(100, 999)}")
    return "\n".join(rows) + "\n"


def free_text(r: random.Random) -> str:
    lines = [f"Customer {r.choice(_SG_NAMES)} called from {phone(r)} on {date(r, 2025, 2026)} "
             f"about order ORD-{_d(r, 8)}.",
             f"Refund of {amount(r)} to account {_d(r, 10)} approved; ref {_d(r, 12)}.",
             f"Alamat: {address(r)}. Hubungi {phone(r)} sebelum jam {r.randint(8, 17)}:00.",
             f"お問い合わせ番号 {_d(r, 10)}、電話 {phone(r)} まで。"]
    r.shuffle(lines)
    return " ".join(lines[: r.randint(2, 4)])


def embedding(r: random.Random) -> dict[str, object]:
    return {**request_meta(r), "model": "arcface-r100",
            "embedding": [round(r.gauss(0, 0.05), 8) for _ in range(128)],
            "landmarks": [[round(r.uniform(0, 640), 2), round(r.uniform(0, 480), 2)]
                          for _ in range(5)]}


def telemetry(r: random.Random) -> dict[str, object]:
    return {**request_meta(r),
            "location": {"lat": round(r.uniform(-8, 36), 6), "lon": round(r.uniform(95, 140), 6),
                         "accuracy_m": round(r.uniform(3, 60), 1)},
            "accelerometer": [[round(r.uniform(-10, 10), 4) for _ in range(3)]
                              for _ in range(r.randint(5, 20))],
            "battery": r.randint(5, 100), "uptime_ms": r.randint(10_000, 10**10),
            "imsi_hash": hashlib.sha1(r.randbytes(8)).hexdigest()}


def log_lines(r: random.Random) -> str:
    out = []
    for _ in range(r.randint(3, 15)):
        out.append(f"2026-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}T{r.randint(0, 23):02d}:"
                   f"{r.randint(0, 59):02d}:{r.randint(0, 59):02d}.{_d(r, 3)}Z "
                   f"{r.choice(['INFO', 'WARN', 'DEBUG'])} [req-{_d(r, 8)}] "
                   f"user={r.randint(1, 10**9)} latency_ms={r.randint(1, 5000)} "
                   f"bytes={r.randint(100, 10**7)} status={r.choice([200, 201, 404, 500])}")
    return "\n".join(out) + "\n"


def soap(r: random.Random) -> str:
    return ("<?xml version=\"1.0\"?><soap:Envelope xmlns:soap=\"http://www.w3.org/2003/05/"
            "soap-envelope\"><soap:Body><VerifyRequest>"
            f"<NIK>{id_nik(r)}</NIK><Nama>{r.choice(_ID_NAMES)}</Nama>"
            f"<TglLahir>{date(r)}</TglLahir><NoHP>{phone(r)}</NoHP>"
            f"<RefNo>{_d(r, 16)}</RefNo><Timestamp>{epoch_ms(r)}</Timestamp>"
            "</VerifyRequest></soap:Body></soap:Envelope>")


def receipt_html(r: random.Random) -> str:
    rows = "".join(f"<tr><td>{_d(r, 8)}</td><td>{date(r, 2024, 2026)}</td>"
                   f"<td>{amount(r)}</td></tr>" for _ in range(r.randint(2, 10)))
    return (f"<html><body><h1>Receipt {_d(r, 10)}</h1><p>Customer: {r.choice(_SG_NAMES)}, "
            f"tel {phone(r)}</p><table>{rows}</table><p>GST Reg No. M{_d(r, 8)}-{_d(r, 1)}"
            f"</p></body></html>")


def transactions(r: random.Random) -> list[dict[str, object]]:
    return [{"id": r.randint(1, 10**9), "account": _d(r, r.choice([10, 12, 15])),
             "amount": round(r.uniform(1, 10**6), 2), "at": epoch_ms(r),
             "counterparty": r.choice(["GRAB", "SHOPEE", "TOKOPEDIA", "7-ELEVEN"]),
             "reference": f"{_d(r, 4)}-{_d(r, 4)}-{_d(r, 4)}"}
            for _ in range(r.randint(5, 40))]


def multipart(r: random.Random) -> tuple[bytes, str]:
    boundary = f"----rg{_d(r, 16)}"
    meta = json.dumps(ocr_result(r), ensure_ascii=False)
    image = base64.b64encode(r.randbytes(r.randint(200, 3000))).decode()
    text = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"meta\"\r\n"
            f"Content-Type: application/json\r\n\r\n{meta}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"image_b64\"\r\n\r\n"
            f"{image}\r\n--{boundary}--\r\n")
    return text.encode(), f"multipart/form-data; boundary={boundary}"


def misc_numbers(r: random.Random) -> dict[str, object]:
    """The other numbers of the region's traffic: business, tax, insurance, passport, parcel,
    card and landline numbers, floats, versions, durations."""
    return {**request_meta(r),
            "uen": f"{r.randint(1990, 2025)}{_d(r, 5)}{r.choice('KMNRWZ')}",
            "npwp": f"{_d(r, 2)}.{_d(r, 3)}.{_d(r, 3)}.{_d(r, 1)}-{_d(r, 3)}.{_d(r, 3)}",
            "bpjs": f"000{_d(r, 10)}", "passport": f"{r.choice('EKTP')}{_d(r, 7)}{r.choice('ABC')}",
            # (UPU S10 "RR123456785SG", Shopee Express, Japan Post's domestic 12 digits)
            "parcel": r.choice([f"{r.choice(['RR', 'EE', 'CP', 'LX'])}{_d(r, 9)}"
                                f"{r.choice(['SG', 'JP', 'ID', 'MY'])}", f"SPXID{_d(r, 12)}",
                                f"{_d(r, 4)}-{_d(r, 4)}-{_d(r, 4)}"]),
            "test_card": r.choice(["4111111111111111", "5555555555554444", "378282246310005",
                                   "6011111111111117"]),
            "landline": r.choice([f"03-{_d(r, 4)}-{_d(r, 4)}", f"0120-{_d(r, 3)}-{_d(r, 3)}",
                                  f"+65 6{_d(r, 3)} {_d(r, 4)}", f"(021) {_d(r, 4)}-{_d(r, 4)}",
                                  f"+852 2{_d(r, 3)} {_d(r, 4)}"]),
            "similarity": r.uniform(0, 100), "elapsed": f"{r.randint(0, 99)}.{_d(r, 9)}s",
            "app_version": f"{r.randint(1, 20)}.{r.randint(0, 9)}.{_d(r, 4)}",
            "frame_ids": [r.randint(0, 10**6) for _ in range(r.randint(3, 12))],
            "session_ms": [epoch_ms(r) for _ in range(r.randint(2, 6))]}


def rtf_invoice(r: random.Random) -> str:
    rows = []
    for _ in range(r.randint(2, 12)):
        cells = [f"SKU-{r.randint(100, 99999)}", str(r.randint(1, 99)),
                 f"{r.randint(1, 9999)}.{r.randint(0, 99):02d}",
                 f"{r.randint(1, 99999)}.{r.randint(0, 99):02d}", r.choice(["SGD", "USD"])]
        rows.append("\\trowd\\cellx1440\\cellx2880\\cellx4320\\cellx5760\\cellx7200 "
                    + "".join(f"\\pard\\intbl {c}\\cell " for c in cells) + "\\row ")
    return ("{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Arial;}}\\f0 Invoice "
            f"{_d(r, 8)}\\par " + "".join(rows) + f"\\pard Total {amount(r)}\\par}}")


def html_table(r: random.Random) -> str:
    rows = "".join(f"<tr><td>{r.randint(1, 999)}</td><td>{r.randint(100, 9999)}</td>"
                   f"<td>{r.randint(1, 99999)}.{r.randint(0, 99):02d}</td></tr>"
                   for _ in range(r.randint(2, 15)))
    return f"<html><body><table><tr><th>qty</th><th>sku</th><th>amount</th></tr>{rows}" \
           "</table></body></html>"


Shape = tuple[bytes, str]


def _json(doc: object) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode()


SHAPES: list[Callable[[random.Random], Shape]] = [
    lambda r: (_json(ocr_result(r)), "application/json"),
    lambda r: (_json(liveness(r)), "application/json"),
    lambda r: (_json(face_compare(r)), "application/json"),
    lambda r: (_json(payment_like(r)), "application/json"),
    lambda r: (urllib.parse.urlencode({k: str(v) for k, v in ocr_result(r)["contact"].items()}
                                      | {"nric": sg_nric(r), "dob": date(r),
                                         "ts": str(epoch_ms(r))}).encode(),
               "application/x-www-form-urlencoded"),
    lambda r: (csv_export(r).encode(), "text/csv"),
    lambda r: (free_text(r).encode(), "text/plain"),
    lambda r: (_json({"note": free_text(r), **request_meta(r)}), "application/json"),
    lambda r: (_json(embedding(r)), "application/json"),
    lambda r: (_json(telemetry(r)), "application/json"),
    lambda r: (log_lines(r).encode(), "text/plain"),
    lambda r: (soap(r).encode(), "application/soap+xml"),
    lambda r: (receipt_html(r).encode(), "text/html"),
    lambda r: (_json(transactions(r)), "application/json"),
    multipart,
    lambda r: (rtf_invoice(r).encode(), "application/rtf"),
    lambda r: (html_table(r).encode(), "text/html"),
    lambda r: (_json(misc_numbers(r)), "application/json"),
    lambda r: (urllib.parse.urlencode({k: json.dumps(v) if not isinstance(v, str) else v
                                       for k, v in misc_numbers(r).items()}).encode(),
               "application/x-www-form-urlencoded"),
]


def body(seed: int) -> Shape:
    r = random.Random(seed)
    return r.choice(SHAPES)(r)


if __name__ == "__main__":
    import datetime as dt
    import sys

    from residency_gateway.core.inspection import options
    from residency_gateway.core.payload import inspect_body
    from residency_gateway.regionmap.schema import PayloadInspection

    opts = options(PayloadInspection())
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    hits = 0
    for seed in range(n):
        data, ctype = body(seed)
        res = inspect_body(data, content_type=ctype, key=b"k" * 32,
                           today=dt.date(2026, 12, 1), options=opts)
        mainland = [f.path for f in res.ids if f.area_jurisdiction == "CN"] + [
            f.path for f in res.phones if f.jurisdiction == "CN" and f.mobile]
        if mainland or res.error:
            hits += 1
            print(seed, ctype, res.error, mainland, data[:300])
    print(f"{hits} of {n}")

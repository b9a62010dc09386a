"""Red team round 18: realistic KYC traffic end to end. Complete request bodies of the kinds
the product fronts (face-compare / liveness / ID-card OCR of Face++, Tencent, Alibaba, AWS
Textract/Rekognition, Sumsub, Onfido, Jumio style; multipart with images; webhooks, callbacks,
JWTs in headers) with a mainland ID or mobile hidden the way real integrations leak it, then
~200 seeded random Singapore / Indonesia / Japan bodies full of NRICs, UENs, NIKs, NPWPs, My
Numbers, phones, epoch-ms timestamps, UUIDs, hex ids, face embeddings and quality scores.

(Passport numbers, Home Return Permit 港澳通行证/回乡证 and 台胞证 numbers are not mainland
identifiers to the gateway: only the 18/15-digit resident ID, the 81/82/83 residence permits and
mainland mobiles are; a Chinese passport MRZ carries no resident ID.)

Held: OCR raw_text with Chinese line breaks, O/0 l/1 I/1 B/8 noise, spaces, a wrapped line,
fullwidth digits; an ID in an address; device fingerprints, SDK log arrays, base64 "extra"
blobs, JSON-in-JSON (Tencent AdvancedInfo, Alibaba Data), callback/return URLs (plain,
percent-encoded JSON, base64url state), JWT claims in headers and bodies, multipart with a JPEG.

Found: MISS - an OCR result as a list of word/char objects with their boxes (Baidu "chars",
Textract WORD blocks, Rekognition TextDetections), ordered or shuffled, per digit or per group:
the box numbers sit between the digits. FP - a float whose fraction has exactly 15 digits
(Python/JS repr of face embeddings and quality scores) is read as a first-generation ID (8 in 20
512-d embeddings, ~2% of ordinary vendor bodies with a 16-d one); the last box coordinate of an
OCR word "Telp" glued to the Indonesian number of the next word; a digit run inside a hex id;
an OCR postal code glued to the number on the next line.

Measured: FP rate on the seeded random SG/ID/JP bodies (seed 18, 200 bodies): 5/200 = 2.5%
(seeds 1-9: 0-2%; across seeds 18, 1-9: 31 of 2000 bodies (1.55%), 27 of them float fractions); every one is one of the classes pinned below.

What holds is pinned by ordinary tests; what is missed or wrongly read is a strict xfail whose
reason says why it matters. Nothing here changes the gateway.
"""

from __future__ import annotations

import base64
import json
import random
import time
import uuid
from urllib.parse import urlencode

import pytest

from tests.core.test_redteam_round6 import found
from tests.core.test_redteam_round13 import field, line_found, multipart

ID = "110101199003071233"
FIRST_GEN = "110101900307123"
MOBILE = "13912345678"
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
MP = "multipart/form-data; boundary=XX"


def j(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def b64u(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def jwt(claims: dict) -> str:
    return ".".join([b64u(j({"alg": "RS256", "typ": "JWT", "kid": "k1"})), b64u(j(claims)),
                     b64u("sig" * 20)])


def jpeg(seed: int) -> bytes:
    rng = random.Random(seed)
    return b"\xff\xd8\xff\xe0" + bytes(rng.getrandbits(8) for _ in range(3000)) + b"\xff\xd9"


def boxes(text: str, shuffle: int | None = None, y: int = 120) -> list[dict]:
    """One OCR word object per character with its box (Baidu "chars", PaddleOCR, Textract)."""
    words = [{"text": c, "box": [40 + 22 * i, y, 20, 30], "confidence": 0.98}
             for i, c in enumerate(text)]
    if shuffle is not None:
        random.Random(shuffle).shuffle(words)
    return words


# =============================================================================================
# Seeded generators of ordinary Singapore / Indonesia / Japan KYC traffic

# ------------------------------------------------------------------ foreign generators
def nric(rng):
    p = rng.choice("STFG")
    d = [rng.randrange(10) for _ in range(7)]
    t = sum(x * w for x, w in zip(d, [2, 7, 6, 5, 4, 3, 2], strict=True)) + (4 if p in "TG" else 0)
    letters = "JZIHGFEDCBA" if p in "ST" else "XWUTRQPNMLK"
    return p + "".join(map(str, d)) + letters[t % 11]


def uen(rng):
    return rng.choice([f"{rng.randrange(10**8):08d}{rng.choice('CDEKMNW')}",
                       f"{rng.randrange(1990, 2025)}{rng.randrange(10**5):05d}{rng.choice('ABCDEKMNWZ')}",
                       f"T{rng.randrange(8, 25):02d}{rng.choice(['LL', 'SS', 'CC', 'FC'])}{rng.randrange(10**4):04d}{rng.choice('ABCDEFGH')}"])


def sg_phone(rng, fmt=None):
    n = f"{rng.choice('689')}{rng.randrange(10**7):07d}"
    return rng.choice([f"+65 {n[:4]} {n[4:]}", f"+65{n}", n, f"65{n}", f"(+65) {n[:4]}-{n[4:]}"])


def nik(rng):
    prov = rng.choice([11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32, 33, 34, 35, 36, 51, 52, 53,
                       61, 62, 63, 64, 65, 71, 72, 73, 74, 75, 76, 81, 82, 91, 92, 94])
    day = rng.randrange(1, 29) + (40 if rng.random() < .5 else 0)
    return (f"{prov}{rng.randrange(1, 80):02d}{rng.randrange(1, 40):02d}{day:02d}"
            f"{rng.randrange(1, 13):02d}{rng.randrange(0, 100):02d}{rng.randrange(1, 9999):04d}")


def npwp(rng):
    d = f"{rng.choice(['01', '02', '03', '07', '08', '09', '31', '21'])}{rng.randrange(10**13):013d}"
    return rng.choice([f"{d[:2]}.{d[2:5]}.{d[5:8]}.{d[8]}-{d[9:12]}.{d[12:]}", d])


def id_phone(rng):
    n = f"8{rng.choice(['11', '12', '13', '21', '22', '52', '53', '14', '15', '16', '55', '56', '57', '58', '17', '18', '19', '59', '77', '78', '95', '96', '97', '98', '99', '81', '82', '83', '38'])}{rng.randrange(10**rng.choice([7, 8, 9])):0{8}d}"
    return rng.choice([f"+62{n}", f"0{n}", f"62{n}", f"+62 {n[:3]}-{n[3:7]}-{n[7:]}", f"0{n[:3]}-{n[3:7]}-{n[7:]}"])


def my_number(rng):
    d = [rng.randrange(10) for _ in range(11)]
    s = sum(x * (n + 2 if n < 6 else n - 4) for n, x in enumerate(reversed(d)))
    c = 0 if s % 11 <= 1 else 11 - s % 11
    n = "".join(map(str, d)) + str(c)
    return rng.choice([n, f"{n[:4]} {n[4:8]} {n[8:]}", f"{n[:4]}-{n[4:8]}-{n[8:]}"])


def corp_number(rng):
    return f"{rng.randrange(1, 10)}{rng.randrange(10**12):012d}"


def jp_phone(rng):
    n = f"{rng.choice(['70', '80', '90'])}{rng.randrange(10**8):08d}"
    return rng.choice([f"+81{n}", f"0{n}", f"+81 {n[:2]}-{n[2:6]}-{n[6:]}", f"0{n[:2]}-{n[2:6]}-{n[6:]}",
                       f"03-{rng.randrange(10**4):04d}-{rng.randrange(10**4):04d}", f"０{n[:2]}－{n[2:6]}－{n[6:]}"])


def jp_address(rng):
    pref = rng.choice(["東京都千代田区千代田", "大阪府大阪市北区梅田", "神奈川県横浜市中区山下町",
                       "北海道札幌市中央区北一条西", "福岡県福岡市博多区博多駅前"])
    return rng.choice([f"{pref}{rng.randrange(1, 10)}丁目{rng.randrange(1, 30)}番{rng.randrange(1, 30)}号",
                       f"{pref}{rng.randrange(1, 10)}-{rng.randrange(1, 30)}-{rng.randrange(1, 30)}",
                       f"{pref}{rng.randrange(1, 10)}丁目{rng.randrange(1, 30)}-{rng.randrange(1, 30)} "
                       f"{rng.choice(['グランドメゾン', 'コーポ', 'ハイツ'])}{rng.randrange(101, 1505)}号室"])


def era_date(rng):
    return rng.choice([f"昭和{rng.randrange(30, 64)}年{rng.randrange(1, 13)}月{rng.randrange(1, 29)}日",
                       f"平成{rng.randrange(1, 31)}年{rng.randrange(1, 13)}月{rng.randrange(1, 29)}日",
                       f"令和{rng.randrange(1, 7)}年{rng.randrange(1, 13)}月{rng.randrange(1, 29)}日",
                       f"H{rng.randrange(1, 31)}.{rng.randrange(1, 13)}.{rng.randrange(1, 29)}"])


def dob(rng):
    return f"{rng.randrange(1950, 2006)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"


def ms(rng):
    return rng.randrange(1_600_000_000_000, 1_800_000_000_000)


def uid(rng):
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def hexid(rng, n=24):
    return f"{rng.getrandbits(4 * n):0{n}x}"


def embedding(rng, n=16):
    return [rng.uniform(-1, 1) for _ in range(n)]


def vendor(rng):
    """The vendor's own noise around a check: ids, times, scores, sizes."""
    return {"request_id": uid(rng), "biz_id": hexid(rng), "time_used": rng.randrange(50, 3000),
            "timestamp": ms(rng), "confidence": round(rng.uniform(50, 99.999), 3),
            "thresholds": {"1e-3": 62.327, "1e-4": 69.101, "1e-5": 73.975},
            "quality": {"blur": rng.random(), "brightness": rng.uniform(0, 255), "score": rng.random()},
            "image": {"width": rng.choice([480, 720, 1080, 1920]), "height": rng.choice([640, 1280, 1440]),
                      "bytes": rng.randrange(20_000, 9_000_000), "sha256": hexid(rng, 64)},
            "face_token": hexid(rng, 32), "embedding": embedding(rng),
            "face_rectangle": {"top": rng.randrange(900), "left": rng.randrange(900),
                               "width": rng.randrange(100, 600), "height": rng.randrange(100, 600)}}


NAMES_SG = ["TAN AH KOW", "Lim Wei Ling", "Muhammad Faizal bin Ahmad", "Priya d/o Raman"]
NAMES_ID = ["BUDI SANTOSO", "Siti Nurhaliza", "I Made Wirawan", "Agus Salim"]
NAMES_JP = ["山田 太郎", "佐藤 花子", "鈴木 一郎", "ヤマダ タロウ"]


def sg_body(rng):
    v = vendor(rng)
    kind = rng.randrange(4)
    if kind == 0:  # Singpass Myinfo person
        return j({"uinfin": {"value": nric(rng)}, "name": {"value": rng.choice(NAMES_SG)},
                  "dob": {"value": dob(rng)}, "mobileno": {"prefix": {"value": "+"},
                  "areacode": {"value": "65"}, "nbr": {"value": sg_phone(rng)[-8:]}},
                  "regadd": {"type": "SG", "block": {"value": str(rng.randrange(1, 999))},
                             "floor": {"value": f"{rng.randrange(1, 40):02d}"},
                             "unit": {"value": f"{rng.randrange(1, 2000):03d}"},
                             "postal": {"value": f"{rng.randrange(10**6):06d}"},
                             "street": {"value": "ANG MO KIO AVENUE 3"}},
                  "cpfbalances": {"oa": {"value": round(rng.uniform(0, 300000), 2)}},
                  "noa-basic": {"amount": {"value": round(rng.uniform(10000, 500000), 2)},
                                "yearofassessment": {"value": "2024"}},
                  "uen": uen(rng), "sub": uid(rng), "iat": ms(rng) // 1000, **v}), "application/json"
    if kind == 1:  # Sumsub-style applicant webhook
        return j({"applicantId": hexid(rng), "inspectionId": hexid(rng), "correlationId": uid(rng),
                  "levelName": "basic-kyc-level", "externalUserId": f"usr_{rng.randrange(10**9)}",
                  "type": "applicantReviewed", "reviewResult": {"reviewAnswer": "GREEN"},
                  "createdAtMs": f"{dob(rng)} 12:{rng.randrange(60):02d}:{rng.randrange(60):02d}.{rng.randrange(1000):03d}",
                  "info": {"country": "SGP", "phone": sg_phone(rng), "idDocs": [
                      {"idDocType": "ID_CARD", "country": "SGP", "number": nric(rng),
                       "dob": dob(rng), "validUntil": "2031-05-01"}]},
                  "sandboxMode": False, "vendor": v}), "application/json"
    if kind == 2:  # OCR raw text of an NRIC card
        text = (f"REPUBLIC OF SINGAPORE\nIDENTITY CARD No. {nric(rng)}\nName\n{rng.choice(NAMES_SG)}\n"
                f"Race CHINESE Date of birth {rng.randrange(1, 29):02d}-{rng.randrange(1, 13):02d}-{rng.randrange(1950, 2006)}"
                f" Sex M\nCountry of birth SINGAPORE\n"
                f"BLK {rng.randrange(1, 999)} ANG MO KIO AVE {rng.randrange(1, 10)} #{rng.randrange(1, 30):02d}-{rng.randrange(1, 2000):03d}"
                f"\nSINGAPORE {rng.randrange(10**6):06d}\n{rng.randrange(10**9):09d}")
        return j({"raw_text": text, "words": [{"text": w, "box": [rng.randrange(900) for _ in range(4)]}
                                              for w in text.split()], **v}), "application/json"
    body = urlencode([
        ("nric", nric(rng)), ("mobile", sg_phone(rng)),
        ("uen", uen(rng)), ("amount", f"{rng.uniform(1, 99999):.2f}"), ("ts", ms(rng)),
        ("txn", hexid(rng, 16)), ("postal", f"{rng.randrange(10**6):06d}")])
    return body, "application/x-www-form-urlencoded"


def id_body(rng):
    v = vendor(rng)
    kind = rng.randrange(4)
    if kind == 0:  # e-KTP OCR result
        return j({"nik": nik(rng), "nama": rng.choice(NAMES_ID),
                  "tempat_lahir": "JAKARTA", "tanggal_lahir": f"{rng.randrange(1, 29):02d}-{rng.randrange(1, 13):02d}-{rng.randrange(1950, 2006)}",
                  "alamat": f"JL. SUDIRMAN NO. {rng.randrange(1, 300)}", "rt_rw": f"{rng.randrange(1, 20):03d}/{rng.randrange(1, 20):03d}",
                  "kel_desa": "KARET", "kecamatan": "SETIABUDI", "npwp": npwp(rng),
                  "no_hp": id_phone(rng), "no_kk": nik(rng), "kode_pos": f"{rng.randrange(10000, 99999)}",
                  "berlaku_hingga": "SEUMUR HIDUP", **v}), "application/json"
    if kind == 1:  # liveness + face match callback
        return j({"event": "liveness.completed", "transaction_id": uid(rng), "merchant_ref": f"INV/{rng.randrange(2020, 2026)}/{rng.randrange(10**6):06d}",
                  "customer": {"nik": nik(rng), "phone": id_phone(rng), "email": "budi@example.co.id"},
                  "amount": rng.randrange(10_000, 50_000_000), "currency": "IDR",
                  "liveness": {"score": rng.random(), "passed": True, "frames": rng.randrange(10, 60)},
                  "device": {"model": "SM-A525F", "os": "Android 13", "android_id": hexid(rng, 16),
                             "ip": f"{rng.randrange(1, 223)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}"},
                  "callback_url": f"https://api.example.co.id/kyc/cb?ref={uid(rng)}&ts={ms(rng)}", **v}), "application/json"
    if kind == 2:
        text = (f"PROVINSI DKI JAKARTA\nJAKARTA SELATAN\nNIK : {nik(rng)}\nNama : {rng.choice(NAMES_ID)}\n"
                f"Tempat/Tgl Lahir : JAKARTA, {rng.randrange(1, 29):02d}-{rng.randrange(1, 13):02d}-{rng.randrange(1950, 2006)}\n"
                f"Alamat : JL. KEBON SIRIH NO {rng.randrange(1, 200)}\nRT/RW : {rng.randrange(1, 20):03d}/{rng.randrange(1, 20):03d}\n"
                f"Berlaku Hingga : SEUMUR HIDUP\nTelp {id_phone(rng)}")
        return j({"raw_text": text, "words": [{"text": w, "box": [rng.randrange(900) for _ in range(4)]}
                                              for w in text.split()], **v}), "application/json"
    body = urlencode([
        ("nik", nik(rng)), ("hp", id_phone(rng)),
        ("npwp", npwp(rng)), ("nominal", rng.randrange(10_000, 10**9)), ("ts", ms(rng)),
        ("va", f"8808{rng.randrange(10**12):012d}")])
    return body, "application/x-www-form-urlencoded"


def jp_body(rng):
    v = vendor(rng)
    kind = rng.randrange(4)
    if kind == 0:  # eKYC (My Number card / license) OCR
        return j({"個人番号": my_number(rng), "氏名": rng.choice(NAMES_JP), "生年月日": era_date(rng),
                  "住所": jp_address(rng), "郵便番号": f"〒{rng.randrange(100, 999)}-{rng.randrange(10**4):04d}",
                  "電話番号": jp_phone(rng), "免許証番号": f"{rng.randrange(10**12):012d}",
                  "有効期限": era_date(rng), "法人番号": corp_number(rng), **v}), "application/json"
    if kind == 1:
        return j({"applicant": {"name": rng.choice(NAMES_JP), "birthdate": dob(rng), "phone": jp_phone(rng),
                                "postal_code": f"{rng.randrange(100, 999)}-{rng.randrange(10**4):04d}",
                                "address": jp_address(rng), "my_number": my_number(rng)},
                  "document": {"type": "drivers_license", "number": f"{rng.randrange(10**12):012d}",
                               "issued": era_date(rng)},
                  "jpki": {"serial": hexid(rng, 16), "cert_not_after": ms(rng)},
                  "order_id": f"ORD-{rng.randrange(10**10):010d}", "amount_jpy": rng.randrange(100, 10**7), **v}), "application/json"
    if kind == 2:
        text = (f"氏名 {rng.choice(NAMES_JP)} {era_date(rng)}生\n住所 {jp_address(rng)}\n"
                f"交付 {era_date(rng)} {rng.randrange(10**5):05d}\n{era_date(rng)}まで有効\n"
                f"番号 第 {rng.randrange(10**12):012d} 号\n電話 {jp_phone(rng)}\n個人番号 {my_number(rng)}")
        return j({"raw_text": text, "words": [{"text": w, "box": [rng.randrange(900) for _ in range(4)]}
                                              for w in text.split()], **v}), "application/json"
    body = urlencode([
        ("my_number", my_number(rng)), ("tel", jp_phone(rng)),
        ("zip", f"{rng.randrange(100, 999)}-{rng.randrange(10**4):04d}"), ("amount", rng.randrange(100, 10**7)),
        ("ts", ms(rng)), ("order", hexid(rng, 20))])
    return body, "application/x-www-form-urlencoded"


def random_bodies(n=200, seed=18):
    rng = random.Random(seed)
    makers = [sg_body, id_body, jp_body]
    return [makers[i % 3](rng) for i in range(n)]


# =============================================================================================
# Held: a mainland ID or mobile hidden in complete vendor bodies the way integrations leak it

@pytest.mark.parametrize(("body", "content_type", "kind"), [
    (j({"raw_text": f"姓名 张三\n性别 男 民族 汉\n出生 1990年3月7日\n住址 北京市东城区景山前街4号\n"
                    f"公民身份号码 {ID}", "request_id": "5b3c9f0e-11", "time_used": 412}), JSON, "id"),
    (j({"raw_text": "公民身份号码 " + ID.replace("1", "l")}), JSON, "id"),
    (j({"raw_text": "公民身份号码 " + ID.replace("0", "O")}), JSON, "id"),
    (j({"raw_text": "公民身份号码 1l0lO1 l99OO3O7 l233"}), JSON, "id"),
    (j({"raw_text": "公民身份号码:1101O1.199003O7l233"}), JSON, "id"),
    (j({"raw_text": "公民身份号码\n1101 0119 9003 0712 33"}), JSON, "id"),
    (j({"raw_text": "公民身份号码 " + " ".join(ID)}), JSON, "id"),
    (j({"raw_text": f"公民身份号码 {ID[:12]}\n{ID[12:]}"}), JSON, "id"),
    (j({"raw_text": f"公民身份号码{ID[:10]}\u2028{ID[10:]}"}), JSON, "id"),
    (j({"raw_text": f"中华人民共和国\n居民身份证\n签发机关 北京市公安局东城分局\n"
                    f"有效期限 2015.03.07-2035.03.07\n{ID}"}), JSON, "id"),
    (j({"raw_text": f"居民身份证\n姓名 李四\n公民身份号码 {FIRST_GEN}"}), JSON, "id"),
    (j({"raw_text": "公民身份号码 " + ID.translate(str.maketrans("0123456789", "０１２３４５６７８９"))}),
     JSON, "id"),
    (j({"raw_text": "联系电话 I39I2345678"}), JSON, "mobile"),
    (j({"raw_text": "手机 l39l2345678"}), JSON, "mobile"),
    (j({"raw_text": "手机 139123456B7"}), JSON, "mobile"),
    (j({"address": f"北京市东城区景山前街4号 {ID}"}), JSON, "id"),
    (j({"address": f"北京市东城区景山前街4号{ID}"}), JSON, "id"),
    (j({"device": {"brand": "Xiaomi", "model": "M2012K11AC", "imei": "861234056789012",
                   "sim": {"operator": "46000", "msisdn": "86" + MOBILE}}, "sdk_version": "3.2.1"}),
     JSON, "mobile"),
    (j({"logs": ["[I] 12:00:01.123 liveness start", f"[D] 12:00:01.456 bind user={MOBILE} ok",
                 "[I] 12:00:03.001 upload 248731 bytes"]}), JSON, "mobile"),
    (j({"logs": [f"uid:{ID}|step:ocr|cost:312ms"]}), JSON, "id"),
    (j({"biz_no": "a1b2c3", "extra": b64(j({"phone": MOBILE, "channel": "app"}))}), JSON, "mobile"),
    (j({"biz_no": "a1b2c3", "extra": b64(j({"cert_no": ID}))}), JSON, "id"),
    (j({"extra": j({"user": {"mobile": MOBILE}})}), JSON, "mobile"),
    (j({"callback_url": f"https://kyc.example.cn/cb?mobile={MOBILE}&sign=abc"}), JSON, "mobile"),
    (j({"callback_url": f"https://kyc.example.cn/cb?idNo={ID}&ts=1700000000000"}), JSON, "id"),
    (j({"return_url": "https://h5.example.cn/done?state=%7B%22certNo%22%3A%22" + ID + "%22%7D"}),
     JSON, "id"),
    (j({"return_url": "https://h5.example.cn/done?state=" + b64u(j({"certNo": ID}))}), JSON, "id"),
    (j({"IdentityDocuments": [{"IdentityDocumentFields": [
        {"Type": {"Text": "DOCUMENT_NUMBER"}, "ValueDetection": {"Text": ID, "Confidence": 98.7}}]}]}),
     JSON, "id"),
    (j({"Response": {"Name": "张三", "IdNum": "", "RequestId": "5b3c-11",
                     "AdvancedInfo": j({"WarnInfos": [], "IdCard": ID})}}), JSON, "id"),
    (j({"RequestId": "x", "Data": j({"frontResult": {"IDNumber": ID, "Address": "北京市"}})}), JSON, "id"),
    (j({"type": "applicantReviewed", "info": {"phone": "+86 139 1234 5678", "idDocs": [
        {"idDocType": "ID_CARD", "country": "CHN", "number": ID}]}}), JSON, "id"),
    (j({"properties": {"document_numbers": [{"type": "document_number", "value": ID}]}}), JSON, "id"),
    (f"idNumber={ID}&idCountry=CHN&idType=ID_CARD&verificationStatus=APPROVED_VERIFIED", FORM, "id"),
    (multipart([('Content-Disposition: form-data; name="image"; filename="front.jpg"\r\n'
                 "Content-Type: image/jpeg", jpeg(1)),
                field("meta", j({"id_card_number": ID, "name": "张三"}))]), MP, "id"),
    (multipart([('Content-Disposition: form-data; name="image_best"; filename="best.jpg"\r\n'
                 "Content-Type: image/jpeg", jpeg(2)), field("user_phone", MOBILE)]), MP, "mobile"),
    (j({"mrz": "POCHNZHANG<<SAN" + "<" * 29 + "\nE123456780CHN9003071M3001012" + "<" * 14 + "04",
        "holder_id": ID}), JSON, "id"),
    (j({"id_token": jwt({"sub": "u1", "phone_number": "+86" + MOBILE})}), JSON, "mobile"),
], ids=["ocr-lines", "ocr-l-for-1", "ocr-O-for-0", "ocr-mixed-noise", "ocr-punct", "ocr-groups",
        "ocr-spaced", "ocr-wrapped", "ocr-line-separator", "ocr-no-label", "ocr-first-gen",
        "ocr-fullwidth", "ocr-I-mobile", "ocr-l-mobile", "ocr-B-mobile", "address", "address-glued",
        "device-msisdn", "sdk-log", "sdk-log-kv", "extra-b64-mobile", "extra-b64-id",
        "json-in-json", "callback-mobile", "callback-id", "return-url-json", "return-url-b64",
        "textract-analyzeid", "tencent-advancedinfo", "aliyun-data", "sumsub-webhook",
        "onfido-document-numbers", "jumio-form", "multipart-jpeg-meta", "multipart-jpeg-phone",
        "passport-mrz-and-id", "jwt-in-body"])
def test_hidden_in_vendor_bodies_found(body, content_type, kind):
    assert kind in found(body, content_type)


@pytest.mark.parametrize(("path", "query", "headers", "kind"), [
    ("/v1/liveness", "", [("authorization", "Bearer " + jwt({"sub": "u1", "phone_number": "+86" + MOBILE}))],
     "mobile"),
    ("/v1/liveness", "", [("x-id-token", jwt({"sub": "u1", "id_card": ID}))], "id"),
    ("/v1/liveness", "", [("authorization", "Bearer " + jwt({"ext": {"kyc": {"certNo": ID}}}))], "id"),
    ("/v1/liveness", "", [("x-device-info", b64(j({"msisdn": MOBILE, "os": "android"})))], "mobile"),
    ("/callback", "biz_id=1&extra=" + b64u(j({"mobile": MOBILE})), [], "mobile"),
], ids=["jwt-phone-claim", "jwt-id-claim", "jwt-nested-claim", "device-header-b64", "callback-extra"])
def test_hidden_in_request_line_found(path, query, headers, kind):
    assert kind in line_found(path, query, headers)


# =============================================================================================
# MISS: an OCR result as a list of word or character objects, each with its box or polygon
# (Baidu "chars", PaddleOCR, Textract WORD blocks, Rekognition TextDetections). Vendors return
# it beside (or instead of) the joined text, and integrations forward it whole to their own
# backend or a review tool. The box numbers stand between the digits, so the ID or mobile the
# objects spell, in reading order or in the detector's (shuffled) order, goes out unread.
# (Likely: the JSON walk reads each "text" value apart; nothing joins sibling objects' text.)

@pytest.mark.parametrize(("body", "kind"), [
    (j({"words_result": [{"words": "公民身份号码"}], "chars": boxes(ID)}), "id"),
    (j({"chars": boxes(ID, shuffle=7)}), "id"),
    (j({"chars": boxes(MOBILE)}), "mobile"),
    (j({"chars": boxes(MOBILE, shuffle=3)}), "mobile"),
    (j({"chars": [{"text": c} for c in ID]}), "id"),
    (j({"words": [{"text": t, "box": [40 + 80 * i, 300, 70, 30]}
                  for i, t in enumerate(["1101", "0119", "9003", "0712", "33"])]}), "id"),
    (j({"words": [{"text": "公民身份号码", "box": [1, 300, 90, 30]}] + [
        {"text": t, "box": [100 + 80 * i, 300, 70, 30]}
        for i, t in enumerate(["110101", "19900307", "1233"])]}), "id"),
    (j({"words": [{"text": "手机"}] + [{"text": t, "box": [10 + 40 * i, 20, 30, 40]}
                                       for i, t in enumerate(["139", "1234", "5678"])]}), "mobile"),
    (j({"Blocks": [{"BlockType": "WORD", "Text": c, "Confidence": 99.1, "Id": f"w{i}",
                    "Geometry": {"BoundingBox": {"Width": 0.01, "Height": 0.03,
                                                 "Left": 0.3 + 0.012 * i, "Top": 0.7}}}
                   for i, c in enumerate(ID)]}), "id"),
    (j({"TextDetections": [{"DetectedText": t, "Type": "WORD", "Confidence": 99,
                            "Polygon": [{"X": 10 + 60 * i, "Y": 20}, {"X": 60 + 60 * i, "Y": 20}]}
                           for i, t in enumerate(["110101", "19900307", "1233"])]}), "id"),
], ids=["chars-ordered", "chars-shuffled", "chars-mobile", "chars-mobile-shuffled",
        "chars-no-box", "words-groups", "words-after-label", "words-mobile-after-label",
        "textract-blocks", "rekognition-detections"])
def test_ocr_word_objects_found(body, kind):
    assert kind in found(body, JSON)


# =============================================================================================
# Held: complete ordinary SG / ID / JP bodies of each template stay clean (hand-picked seeds)

@pytest.mark.parametrize("make", [sg_body, id_body, jp_body], ids=["sg", "id", "jp"])
def test_foreign_templates_stay_clean(make):
    rng = random.Random(1800)
    for _ in range(8):
        body, content_type = make(rng)
        if content_type == JSON:  # floats to 6 places, as many SDKs send them (see the FP below)
            body = j(json.loads(body, parse_float=lambda s: round(float(s), 6)))
        assert found(body, content_type) == set(), body


# =============================================================================================
# Volume: ~200 seeded random SG / ID / JP bodies. The measured FP rate (seed 18) is 5/200; all
# five are the float-fraction class below. The strict xfail pins that the rate is not zero; the
# second test pins that, with floats rounded to 6 places, the rest of every body stays clean.

def _read(bodies):
    return [(n, body) for n, (body, ct) in enumerate(bodies) if found(body, ct)]


def test_random_foreign_bodies_stay_clean():
    start = time.process_time()
    bodies = random_bodies(200, seed=18)
    read = _read(bodies)
    assert time.process_time() - start < 10
    assert read == [], f"{len(read)}/{len(bodies)} read"


def test_random_foreign_bodies_with_short_floats_stay_clean():
    bodies = []
    for body, ct in random_bodies(200, seed=18):
        if ct == JSON:
            body = j(json.loads(body, parse_float=lambda s: round(float(s), 6)))
        bodies.append((body, ct))
    assert _read(bodies) == []


# =============================================================================================
# FP: a float whose fraction has exactly 15 digits is read as a first-generation ID. repr() of
# a double gives 15-17 significant digits, so face embeddings (128-512 floats), quality and
# liveness scores, brightness and blur values carry 15-digit fractions all the time; one in a
# few hundred has a valid area code and yymmdd. 8 of 20 random 512-d embeddings are read, so
# nearly every Face++/SenseTime/Rekognition-style compare call with a template pins to China.
# (Likely: the first-generation reading in scanner takes the digit run after "." as a number.)

def _embedding(seed: int, n: int = 512) -> list[float]:
    rng = random.Random(seed)
    return [rng.uniform(-1, 1) for _ in range(n)]


@pytest.mark.parametrize("body", [
    j({"quality": {"blur": 0.3576036939658154, "brightness": 22.646366050515294,
                   "score": 0.26668249023585877}}),
    j({"quality": {"blur": 0.542189580526763}}),
    j({"liveness": {"score": 0.627034890216846}}),
    j({"embedding": [-0.454157741116195, -0.21584364192490568]}),
    j({"embedding": [0.610880860209754]}),
    '{"brightness": "22.646366050515294"}',
    j({"face_token": "ab12", "embedding": _embedding(4)}),
], ids=["brightness", "blur", "liveness-score", "embedding-pair", "embedding-one", "as-string",
        "embedding-512"])
def test_float_fraction_stays_clean(body):
    assert found(body, JSON) == set()


def test_float_rate_measured():
    # 8 of 20 random 512-d embeddings were read before the fraction rule; now none, as none
    # rounded to 8 places ever was
    read = sum(bool(found(j({"embedding": _embedding(s)}))) for s in range(20))
    rounded = sum(bool(found(j({"embedding": [round(x, 8) for x in _embedding(s)]})))
                  for s in range(20))
    assert rounded == 0
    assert read == 0


# =============================================================================================
# FP: OCR word objects of an Indonesian KTP / SG NRIC read: the last box coordinate of the word
# "Telp" is glued to the Indonesian number of the next word as a told mobile (136 + 0822 0928
# -> 136 0822 0928); a postal code is glued to the number on the next OCR line as a 15-digit
# ID; a digit run in a hex id (biz_id, face_token) reads as a mobile.
# (Likely: the told-mobile reading after a phone word joins the pieces across JSON numbers; the
# raw_text line join; the digit-run reading inside [0-9a-f] hex.)

def test_foreign_ocr_box_then_phone_stays_clean():
    # (fixed in session 11: the phone word labels its own key's value, not the box after it)
    body = j({"words": [{"text": "Telp", "box": [490, 576, 403, 136]},
                        {"text": "0822-0928-0814"}]})
    assert found(body, JSON) == set()


@pytest.mark.xfail(strict=True, reason="round 18 FP: foreign KYC OCR/vendor values glued into "
                   "a mainland number (an address's postal code and the next line)")
def test_foreign_ocr_glued_false_positive():
    body = j({"raw_text": "BLK 346 ANG MO KIO AVE 8 #25-1332\nSINGAPORE 376616\n540808114"})
    assert found(body, JSON) == set()


def test_a_hex_vendor_id_stays_clean():
    # (fixed after round 18: the digits of a 16-31 character hex id are no mobile)
    body = j({"request_id": "5912bc12-8285-4176-b624-b4df5e4303f7",
              "biz_id": "06cd5fac7c16754980534b81"})
    assert found(body, JSON) == set()

"""Phone numbers in payloads, judged by the numbering plans that `phonenumbers` maintains.

Mainland mobiles are +86 1[3-9]xxxxxxxxx; HK (+852) and Macau (+853) have 8 digits; Taiwan
mobiles are +886 9xxxxxxxx. phonenumbers (libphonenumber's metadata) already knows these plans,
so nothing here re-implements them; this module only decides which strings are worth asking.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

# Strings that could be phone numbers: optional + or 00, digits with common separators.
_PHONE_LIKE = re.compile(r"^(?:\+|00)?[\d][\d \-().]{6,22}\d$")
# A bare 11-digit mainland mobile without country code (1[3-9] + 9 digits) is how mainland
# forms store them; no other plan in the product's markets writes mobiles that way.
_BARE_CN_MOBILE = re.compile(r"^1[3-9]\d{9}$")


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    e164: str
    region: str
    mobile: bool


def parse_phone(text: str) -> PhoneNumber | None:
    """Parse `text` as an international or bare-mainland mobile number; None if it is not one."""
    if len(text) > 26 or not _PHONE_LIKE.match(text):
        return None
    compact = re.sub(r"[ \-().]", "", text)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if compact.startswith("+"):
        default_region = None
    elif _BARE_CN_MOBILE.match(compact):
        default_region = "CN"
    else:
        return None
    try:
        number = phonenumbers.parse(compact, default_region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    region = phonenumbers.region_code_for_number(number)
    if not region:
        return None
    kind = phonenumbers.number_type(number)
    mobile = kind in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return PhoneNumber(e164=e164, region=region, mobile=mobile)

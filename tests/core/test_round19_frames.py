"""Raw frames with a header (Netpbm PGM/PPM/PBM/PAM, BMP) are media: their header (comments,
a BMP's headers and palette) is read for text, their samples are not (red team round 19: a
dim frame's samples 48-57 are ASCII digits, read as runs of mainland mobiles)."""

from __future__ import annotations

import pytest

from residency_gateway.core.payload import binary_signature, media_texts
from tests.core.test_redteam_round6 import found
from tests.core.test_redteam_round19 import bmp8, scene

W, H = 160, 120
OCTETS = "application/octet-stream"


def pgm(pixels: bytes, comment: bytes = b"") -> bytes:
    return b"P5\n" + comment + b"%d %d\n255\n" % (W, H) + pixels


def ppm(pixels: bytes) -> bytes:
    return b"P6 %d %d 255\n" % (W, H // 3) + pixels


def pam(pixels: bytes) -> bytes:
    return (b"P7\nWIDTH %d\nHEIGHT %d\nDEPTH 1\nMAXVAL 255\nTUPLTYPE GRAYSCALE\nENDHDR\n"
            % (W, H) + pixels)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("ctype", [OCTETS, "image/bmp"])
def test_dim_bmp_frames_stay_clean(seed, ctype):
    assert found(bmp8(W, H, scene(W, H, seed)), ctype) == set()


# (a Netpbm frame whose first 4 KB of samples are all in the ASCII range, a dark top, is
# text-like and read as text, as any signature before text is: round 19's strict xfail)
@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("make", [pgm, ppm, pam], ids=["pgm", "ppm", "pam"])
@pytest.mark.parametrize("ctype", [OCTETS, "image/x-portable-graymap"])
def test_netpbm_frames_with_dim_regions_stay_clean(make, seed, ctype):
    assert found(make(scene(W, H, seed, dark=245, bright=52)), ctype) == set()


@pytest.mark.parametrize("make", [pgm, ppm, pam], ids=["pgm", "ppm", "pam"])
def test_netpbm_is_media_and_a_header_before_text_is_not(make):
    assert binary_signature(make(scene(W, H, 0, dark=245, bright=52))[:4096]) == "netpbm"
    # (as for every signature: a header before text is text, read whole)
    assert binary_signature(make(b'{"tel": "13912345678"} ' * 400)[:4096]) is None


def test_a_pgm_comment_is_read():
    body = pgm(scene(W, H, 1), b"# owner tel 13912345678\n")
    assert "mobile" in found(body, OCTETS)
    assert b"13912345678" in media_texts(body[:4096])


def test_a_bmp_is_read_up_to_its_pixels():
    frame = bmp8(W, H, b"tel 13912345678 " * (W * H // 16))
    assert b"13912345678" not in media_texts(frame[:4096])


@pytest.mark.parametrize("text", [b"P5 is the plan", b"P5\nnotes 139 12345678\n",
                                  b"P6 160 120 255", b"P5 0 0 255\n", b"P4 12 12 255\n",
                                  b"P5\n160 120\n255\n"])
def test_text_that_starts_like_a_netpbm_header_is_no_image(text):
    assert binary_signature(text + b"\n" + b"tel 13912345678\n") is None

"""Bad input gets a clear error, never a crash: properties over arbitrary bytes and text."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from residency_gateway.audit.export import Filters, export_bundle, verify_bundle, verify_store
from residency_gateway.audit.filestore import FileTrail, list_segments
from residency_gateway.audit.signing import generate
from residency_gateway.audit.sources import FileSource
from residency_gateway.core.payload import PayloadError, parse_body, scan_document
from residency_gateway.regionmap.load import ConfigError, load_region_map
from tests.audit.conftest import fill, sample_records
from tests.regionmap.test_load import GOOD

KINDS = {"json": "application/json", "form": "application/x-www-form-urlencoded",
         "multipart": "multipart/form-data; boundary=XyZ", "text": "text/plain"}


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(sorted(KINDS)), body=st.binary(max_size=400))
def test_any_body_parses_or_is_a_payload_error(kind, body):
    try:
        doc = parse_body(kind, body, KINDS[kind])
    except PayloadError:
        return
    scan_document(doc, key=b"k" * 32, today=dt.date(2026, 11, 29))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_edit_of_a_region_map_loads_or_is_a_config_error(tmp_path, data):
    text = GOOD
    for _ in range(data.draw(st.integers(1, 4))):
        pos = data.draw(st.integers(0, len(text)))
        cut = data.draw(st.integers(0, 8))
        insert = data.draw(st.text(alphabet=" :-[]{}\n'\"#&*!|>%@`abcCN0123456789.,/", max_size=6))
        text = text[:pos] + insert + text[pos + cut:]
    path = tmp_path / "fuzz.yaml"
    path.write_text(text, "utf-8")
    try:
        load_region_map(path)
    except ConfigError as exc:
        assert exc.issues and all(str(i).startswith(f"{path}:") for i in exc.issues)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    import asyncio

    root = tmp_path_factory.mktemp("pristine")
    signer = generate(root / "keys")
    asyncio.run(fill(FileTrail(root / "trail", "gw-a", signer, segment_max_bytes=8000,
                               checkpoint_every=6), sample_records(30)))
    export_bundle(FileSource(root / "trail"), root / "bundle", Filters(), signer)
    return root, {signer.key_id: signer.public}


def errors(findings):
    return [f for f in findings if f.severity == "error"]


def flip_a_byte(data, source: Path, tmp_path: Path, files) -> tuple[Path, Path]:
    """Copy `source`, flip one byte of one of its files (chosen by hypothesis)."""
    work = Path(tempfile.mkdtemp(dir=tmp_path)) / source.name
    shutil.copytree(source, work)
    target: Path = data.draw(st.sampled_from([f for f in files(work) if f.stat().st_size]))
    raw = bytearray(target.read_bytes())
    pos = data.draw(st.integers(0, len(raw) - 1))
    raw[pos] = data.draw(st.integers(0, 255).filter(lambda b: b != raw[pos]))
    target.write_bytes(bytes(raw))
    return work, target


FLIPS = settings(max_examples=120, deadline=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture])


@FLIPS
@given(data=st.data())
def test_any_byte_flip_in_a_store_is_reported_never_a_crash(pristine, tmp_path, data):
    root, keys = pristine
    work, target = flip_a_byte(data, root / "trail", tmp_path, lambda w: [
        *list_segments(w / "gw-a"), w / "gw-a" / "checkpoints.jsonl"])
    findings, _ = verify_store(FileSource(work), keys)
    assert errors(findings), f"flip in {target.name} went unnoticed"


@FLIPS
@given(data=st.data())
def test_any_byte_flip_in_a_bundle_is_reported_never_a_crash(pristine, tmp_path, data):
    root, keys = pristine
    work, target = flip_a_byte(data, root / "bundle", tmp_path,
                               lambda w: sorted(p for p in w.rglob("*") if p.is_file()))
    assert errors(verify_bundle(work, keys)), f"flip in {target.relative_to(work)} unnoticed"

"""The generic net: any exception in the request path is a recorded 500 internal_error with a
decision id, and the log names the error's type and place only, with the redacted path."""

from __future__ import annotations

from structlog.testing import capture_logs

from residency_gateway.audit.keys import PseudonymKeys
from tests.helpers import ADULT_ID


class ExplodingKeys(PseudonymKeys):
    """A key store whose storage fails in a way nobody planned for (fault injection at the
    storage boundary; the request path itself is the real one)."""

    def get(self, tenant: str, *, create: bool = True) -> bytes | None:
        raise RuntimeError(f"unexpected failure holding {ADULT_ID}")


async def test_unexpected_exception_is_a_recorded_500_and_the_log_holds_no_client_data(
        make_gateway, backends):
    gw = await make_gateway()
    gw.runtime.keys = ExplodingKeys(gw.data_dir / "keys")
    with capture_logs() as logs:
        status, headers, body = await gw.post(f"/v1/users/{ADULT_ID}/compare", json_body={},
                                              xff="198.51.100.10")
    assert status == 500
    assert body["reason"] == "internal_error" and body["decision_id"]
    assert headers["X-Residency-Decision"] == body["decision_id"]
    record = next(r for r in gw.records() if r["decision_id"] == body["decision_id"])
    assert record["reasons"] == ["internal_error"] and record["action"] == "reject"
    assert ADULT_ID not in record["path"]
    event = next(e for e in logs if e["event"] == "internal_error")
    assert event["error"] == "RuntimeError" and "proxy.py" not in str(event.get("path"))
    assert ADULT_ID not in repr(logs)
    assert all(not b.requests for b in backends.values())  # nothing moved
    gw.runtime.keys = PseudonymKeys(gw.data_dir / "keys")
    status, _, _ = await gw.post("/v1/compare", json_body={}, xff="198.51.100.10")
    assert status == 200  # the next request is served as usual


async def test_unusable_pseudonym_key_is_a_recorded_503_for_that_tenant_only(make_gateway):
    gw = await make_gateway()
    keys_dir = gw.data_dir / "keys" / "pseudonym"
    keys_dir.mkdir(parents=True, exist_ok=True)
    (keys_dir / "acme.key").write_bytes(b"truncated")
    status, _, body = await gw.post("/v1/compare", json_body={}, xff="198.51.100.10")
    assert status == 503 and body["reason"] == "pseudonym_key_unavailable"
    assert any(r["decision_id"] == body["decision_id"] for r in gw.records())
    status, _, _ = await gw.post("/v1/compare", tenant="bank", json_body={},
                                 xff="198.51.100.10")
    assert status == 200

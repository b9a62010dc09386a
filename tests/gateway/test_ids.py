"""Decision and request ids: RFC 9562 version 4 UUIDs, never repeated, not even by a fork."""

from __future__ import annotations

import os
import uuid

from residency_gateway.gateway.ids import uuid4_hex, uuid4_str


def test_ids_are_version_4_uuids_and_do_not_repeat():
    seen = set()
    for _ in range(5000):  # crosses many batches of the pool
        text = uuid4_str()
        parsed = uuid.UUID(text)
        assert str(parsed) == text and parsed.version == 4 and parsed.variant == uuid.RFC_4122
        raw = uuid4_hex()
        assert uuid.UUID(hex=raw).hex == raw and uuid.UUID(hex=raw).version == 4
        seen.update((text.replace("-", ""), raw))
    assert len(seen) == 10000


def test_a_forked_child_draws_its_own_ids():
    uuid4_str()  # the parent holds a partly used pool
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report its next id and leave at once
        os.write(write, uuid4_str().encode())
        os._exit(0)
    os.close(write)
    child = os.read(read, 64).decode()
    os.close(read)
    os.waitpid(pid, 0)
    assert child != uuid4_str()

"""Progress bars for the auditors' long commands (tqdm), on a terminal only (shell).

tqdm's `disable=None` turns the bar off when stderr is not a TTY, so pipes, CI logs and tests
get nothing extra.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from tqdm import tqdm

T = TypeVar("T")


def bar(desc: str, total: int | None = None, unit: str = "entries") -> Any:  # a tqdm
    return tqdm(total=total, desc=desc, unit=f" {unit}", unit_scale=True, file=sys.stderr,
                disable=None, mininterval=0.5, leave=False, dynamic_ncols=True)


def track(items: Iterable[T], desc: str, total: int | None = None) -> Iterator[T]:
    """`items`, with a progress bar on a terminal; the bar closes when the iteration ends."""
    b = bar(desc, total)
    pending = 0
    try:
        for item in items:
            yield item
            pending += 1
            if pending == 1024:  # tqdm's own cost stays out of the per-entry path
                b.update(pending)
                pending = 0
        b.update(pending)
    finally:
        b.close()

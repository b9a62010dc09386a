"""GeoIP adapter (shell): a MaxMind DB file behind the core's `GeoLookup` protocol.

Uses geoip2's Reader on GeoIP2/GeoLite2 Country (or City) databases and reads only
`country.iso_code` and `traits.is_anycast`; `registered_country` is deliberately ignored (it is
where the block is registered, not where the user is). A file that does not open or fails a
probe lookup raises `GeoDatabaseError`, so a corrupt replacement never becomes the live DB.

Per request the lookup goes straight to the maxminddb reader (the C extension returns plain
dicts: no geoip2 model objects) and answers are kept in a bounded per-address cache. The cache
belongs to this instance, and a reload opens a new instance, so a new DB never answers from the
old one's cache. At open, the probes check that this fast path and geoip2 agree.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from pathlib import Path

import geoip2.database
import geoip2.errors
import maxminddb
import maxminddb.errors

from residency_gateway.core.values import GeoAnswer

CACHE_SIZE = 65536  # addresses; the oldest half is dropped when full
_PROBES = ("1.1.1.1", "8.8.8.8", "2001:4860:4860::8888", "192.0.2.1", "203.0.113.1")


class GeoDatabaseError(Exception):
    """The GeoIP database cannot be used (missing, corrupt, wrong type)."""


@dataclass(frozen=True, slots=True)
class GeoInfo:
    path: str
    database_type: str
    build_epoch: int

    @property
    def build_date(self) -> str:
        return dt.datetime.fromtimestamp(self.build_epoch, tz=dt.UTC).date().isoformat()


class GeoDatabase:
    """An open, probed GeoIP database. Call it with an address string for a GeoAnswer."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        try:
            # MODE_AUTO: the C extension over mmap where available. geoipupdate replaces the file
            # by rename, so a mapping of the old file stays valid until the reload swaps it.
            self._reader = geoip2.database.Reader(self.path, mode=maxminddb.MODE_AUTO)
            self._raw = maxminddb.open_database(self.path, maxminddb.MODE_AUTO)
            self._cache: dict[str, GeoAnswer] = {}
            meta = self._reader.metadata()
            self.info = GeoInfo(self.path, meta.database_type, int(meta.build_epoch))
            if "Country" not in meta.database_type and "City" not in meta.database_type \
                    and "Enterprise" not in meta.database_type:
                raise GeoDatabaseError(
                    f"{self.path}: database type {meta.database_type!r} has no country data")
            for probe in _PROBES:  # walk the tree and decode a few records before trusting it
                if ipaddress.ip_address(probe).version == 6 and meta.ip_version == 4:
                    continue
                if self._answer(probe) != self._fast(probe):
                    raise GeoDatabaseError(f"{self.path}: lookups disagree for {probe}")
        except GeoDatabaseError:
            raise
        except FileNotFoundError as exc:
            raise GeoDatabaseError(f"{self.path}: no such file") from exc
        except (OSError, ValueError, TypeError, KeyError, IndexError, RecursionError,
                OverflowError, maxminddb.errors.InvalidDatabaseError) as exc:
            raise GeoDatabaseError(f"{self.path}: not a usable MaxMind DB ({exc})") from exc

    def _answer(self, address: str) -> GeoAnswer:
        try:
            record = self._reader.country(address)
        except geoip2.errors.AddressNotFoundError:
            return GeoAnswer(None)
        anycast = bool(getattr(record.traits, "is_anycast", False))
        network = str(record.traits.network) if record.traits.network else None
        return GeoAnswer(record.country.iso_code, anycast, network)

    def _fast(self, address: str) -> GeoAnswer:
        """What `_answer` says, read from the raw record (same keys, same network)."""
        record, prefix = self._raw.get_with_prefix_len(address)
        if record is None:
            return GeoAnswer(None)
        if not isinstance(record, dict):
            raise ValueError("a GeoIP record that is not a map")
        country, traits = record.get("country"), record.get("traits")
        iso = country.get("iso_code") if isinstance(country, dict) else None
        if iso is not None and not isinstance(iso, str):
            raise ValueError("a country code that is not a string")
        anycast = bool(traits.get("is_anycast", False)) if isinstance(traits, dict) else False
        network = str(ipaddress.ip_network((address, prefix), strict=False)) if prefix else None
        return GeoAnswer(iso, anycast, network)

    def __call__(self, address: str) -> GeoAnswer:
        cached = self._cache.get(address)
        if cached is not None:
            return cached
        try:
            answer = self._fast(address)
        except (ValueError, TypeError, AttributeError, maxminddb.errors.InvalidDatabaseError):
            # A record that fails to decode is no country: the origin becomes unknown.
            return GeoAnswer(None)
        if len(self._cache) >= CACHE_SIZE:
            for old in list(self._cache)[: CACHE_SIZE // 2]:
                del self._cache[old]
        self._cache[address] = answer
        return answer

    def close(self) -> None:
        self._reader.close()
        self._raw.close()
        self._cache.clear()


def no_database(_address: str) -> GeoAnswer:
    """Used only when an operator runs without a DB on purpose: every address is unknown."""
    return GeoAnswer(None)

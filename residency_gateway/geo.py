"""GeoIP adapter (shell): a MaxMind DB file behind the core's `GeoLookup` protocol.

Uses geoip2's Reader on GeoIP2/GeoLite2 Country (or City) databases and reads only
`country.iso_code` and `traits.is_anycast`; `registered_country` is deliberately ignored (it is
where the block is registered, not where the user is). A file that does not open or fails a
probe lookup raises `GeoDatabaseError`, so a corrupt replacement never becomes the live DB.
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
            meta = self._reader.metadata()
            self.info = GeoInfo(self.path, meta.database_type, int(meta.build_epoch))
            if "Country" not in meta.database_type and "City" not in meta.database_type \
                    and "Enterprise" not in meta.database_type:
                raise GeoDatabaseError(
                    f"{self.path}: database type {meta.database_type!r} has no country data")
            for probe in _PROBES:  # walk the tree and decode a few records before trusting it
                if ipaddress.ip_address(probe).version == 6 and meta.ip_version == 4:
                    continue
                self._answer(probe)
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

    def __call__(self, address: str) -> GeoAnswer:
        try:
            return self._answer(address)
        except (ValueError, maxminddb.errors.InvalidDatabaseError):
            # A record that fails to decode is no country: the origin becomes unknown.
            return GeoAnswer(None)

    def close(self) -> None:
        self._reader.close()


def no_database(_address: str) -> GeoAnswer:
    """Used only when an operator runs without a DB on purpose: every address is unknown."""
    return GeoAnswer(None)

"""GeoIP adapter (shell): a MaxMind DB file behind the core's `GeoLookup` protocol.

Uses geoip2's Reader on GeoIP2/GeoLite2 Country (or City) databases and reads only
`country.iso_code` and `traits.is_anycast`; `registered_country` is deliberately ignored (it is
where the block is registered, not where the user is). A file that does not open or fails a
probe lookup raises `GeoDatabaseError`, so a corrupt replacement never becomes the live DB.

**Copy on open** (the gateway): the configured file is read once and written to a private file
in the data directory (`<data-dir>/geoip/`, one name per content hash, replaced only by
rename), and that private copy is what is memory-mapped. A database copied over the configured
path in place can therefore never SIGBUS the process or change the live DB behind its back.
A candidate is validated before it is used: readable metadata, a Country/City database type,
the file unchanged while it was read, and a sample of its own networks (plus fixed probes) that
must resolve to countries - a DB that resolves nothing is refused. Every country code the
sample and the probes meet must be ISO 3166-1 alpha-2 in upper case ('CN'): a DB written by
another converter ('cn', 'CHN') is refused, since a mainland client whose code is not 'CN'
would otherwise be taken for an overseas one. `families` says which address families the DB
places at all (the gateway refuses a reload that loses one the live DB had); an address of a
family it places nowhere is answered `uncovered`, which the policy never routes abroad. The
private copy of the last good DB is what the gateway starts with when the configured file is
broken at start.

At lookup a code is made canonical where that is unambiguous (two ASCII letters upper-cased;
the mainland's alpha-3 'CHN' and numeric '156' are 'CN'); any other code is passed on as it is
and the core (`origin.network_signal`) refuses the request rather than guess a country.

Per request the lookup goes straight to the maxminddb reader (the C extension returns plain
dicts: no geoip2 model objects) and answers are kept in a bounded per-address cache. The cache
belongs to this instance, and a reload opens a new instance, so a new DB never answers from the
old one's cache. At open, the probes check that this fast path and geoip2 agree.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import ipaddress
import itertools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import geoip2.database
import geoip2.errors
import maxminddb
import maxminddb.errors

from residency_gateway.core.values import GeoAnswer
from residency_gateway.files import read_regular

CACHE_SIZE = 65536  # addresses; the oldest half is dropped when full
_PROBES = ("1.1.1.1", "8.8.8.8", "2001:4860:4860::8888", "192.0.2.1", "203.0.113.1")
_SAMPLE = 256  # networks of the DB itself looked up before it is trusted
LAST_GOOD = "last-good"  # <cache>/last-good names the private copy of the last good DB
MAX_DB_BYTES = 1024 * 1024 * 1024  # (GeoIP2-City is ~70 MB; a file past this is no GeoIP DB)
_ALPHA2 = re.compile(r"[A-Z]{2}\Z")
_LETTERS2 = re.compile(r"[A-Za-z]{2}\Z")
# The mainland's other ISO 3166-1 spellings (alpha-3, numeric). Only the mainland's: any other
# code that is not alpha-2 stays unreadable (and refused), it is never guessed to be overseas.
_MAINLAND_FORMS = frozenset({"CHN", "156"})
# A spread of addresses across the address space, looked up (besides the DB's first networks)
# to check the codes of records the tree walk from the start does not reach.
_SPREAD = tuple(f"{i}.{(i * 37) % 256}.{(i * 91) % 256}.1" for i in range(1, 224)) + tuple(
    f"{prefix:x}:{(i * 4099) % 65536:x}::1" for prefix in (0x2001, 0x2400, 0x2600, 0x2800,
                                                             0x2a00, 0x2c00, 0x240e)
    for i in range(16))


def _without(space: str, *holes: str) -> tuple[ipaddress.IPv6Network, ...]:
    """`space` less the `holes`, as CIDR blocks."""
    blocks = [ipaddress.IPv6Network(space)]
    for hole in map(ipaddress.IPv6Network, holes):
        blocks = [part for block in blocks
                  for part in (block.address_exclude(hole) if hole.subnet_of(block)
                               else (block,))]
    return tuple(sorted(blocks))


# Global unicast IPv6 less Teredo and 6to4 (29 blocks: 2000::/16, 2001:1::/32, ... 3000::/4).
_IPV6_GLOBAL = _without("2000::/3", "2001::/32", "2002::/16")


def canonical_country(code: str) -> str:
    """The ISO 3166-1 alpha-2 code for `code` where that is unambiguous ('cn' -> 'CN',
    'CHN' / '156' -> 'CN'); otherwise `code` unchanged (not alpha-2: the core refuses it)."""
    if _ALPHA2.match(code):
        return code
    if _LETTERS2.match(code):
        return code.upper()
    if code.strip().upper() in _MAINLAND_FORMS:
        return "CN"
    return code


def is_alpha2(code: object) -> bool:
    return isinstance(code, str) and _ALPHA2.match(code) is not None


class GeoDatabaseError(Exception):
    """The GeoIP database cannot be used (missing, corrupt, wrong type)."""


FAMILY_NAMES = {4: "IPv4", 6: "IPv6"}


@dataclass(frozen=True, slots=True)
class GeoInfo:
    path: str
    database_type: str
    build_epoch: int
    build_date: str = field(init=False)  # every record carries it: computed once

    def __post_init__(self) -> None:
        object.__setattr__(self, "build_date", dt.datetime.fromtimestamp(
            self.build_epoch, tz=dt.UTC).date().isoformat())


_UNCOVERED = GeoAnswer(None, uncovered=True)


class GeoDatabase:
    """An open, validated GeoIP database. Call it with an address string for a GeoAnswer.

    With `cache_dir` (the gateway), the file is copied there first and the copy is opened;
    without it (offline tools), the file is opened where it is."""

    families: frozenset[int]  # the address families it places (4, 6): set by _validate

    def __init__(self, path: str | Path, cache_dir: Path | None = None):
        self.path = str(path)
        self.private: Path | None = None
        try:
            opened = self._copy(Path(path), cache_dir) if cache_dir is not None else Path(path)
            # MODE_AUTO: the C extension over mmap of the private copy, which nothing rewrites.
            self._reader = geoip2.database.Reader(str(opened), mode=maxminddb.MODE_AUTO)
            # Per request: the raw maxminddb record (plain dicts, no geoip2 model objects).
            self._raw = maxminddb.open_database(str(opened), maxminddb.MODE_AUTO)
            self._cache: dict[str, GeoAnswer] = {}
            try:
                self.info = self._validate(str(opened))
                meta = self._reader.metadata()
                for probe in _PROBES:  # the fast path and geoip2 must agree
                    if ipaddress.ip_address(probe).version == 6 and meta.ip_version == 4:
                        continue
                    slow = self._answer(probe)
                    if slow.country is not None:
                        slow = dataclasses.replace(slow, country=canonical_country(slow.country))
                    if slow != self._fast(probe):
                        raise GeoDatabaseError(f"{self.path}: lookups disagree for {probe}")
            except BaseException:
                self._reader.close()
                self._raw.close()
                raise
            if cache_dir is not None:
                self.private = opened
        except GeoDatabaseError:
            raise
        except FileNotFoundError as exc:
            raise GeoDatabaseError(f"{self.path}: no such file") from exc
        except (OSError, ValueError, TypeError, KeyError, IndexError, RecursionError,
                OverflowError, maxminddb.errors.InvalidDatabaseError) as exc:
            raise GeoDatabaseError(f"{self.path}: not a usable MaxMind DB ({exc})") from exc

    def _copy(self, source: Path, cache_dir: Path) -> Path:
        """A private, immutable copy of `source` (read once, checked not to change meanwhile)."""
        before = source.stat()
        data = read_regular(source, MAX_DB_BYTES)
        after = source.stat()
        if (before.st_size, before.st_mtime_ns, before.st_ino) != (
                after.st_size, after.st_mtime_ns, after.st_ino) or len(data) != after.st_size:
            raise GeoDatabaseError(f"{self.path}: the file changed while it was read (a copy in "
                                   "progress?); the current DB stays until it is complete")
        cache_dir.mkdir(parents=True, exist_ok=True)
        target = cache_dir / f"geoip-{hashlib.sha256(data).hexdigest()[:24]}.mmdb"
        if not target.exists():
            _write_atomic(target, data)
        return target

    def _validate(self, opened: str) -> GeoInfo:
        meta = self._reader.metadata()
        info = GeoInfo(self.path, meta.database_type, int(meta.build_epoch))
        if "Country" not in meta.database_type and "City" not in meta.database_type \
                and "Enterprise" not in meta.database_type:
            raise GeoDatabaseError(
                f"{self.path}: database type {meta.database_type!r} has no country data")
        for probe in _PROBES:  # walk the tree and decode a few records before trusting it
            if ipaddress.ip_address(probe).version == 6 and meta.ip_version == 4:
                continue
            self._check_code(self._answer(probe).country, probe)
        for probe in _SPREAD:  # records the walk from the start would not reach
            if ":" in probe and meta.ip_version == 4:
                continue
            self._check_code(self._answer(probe).country, probe)
        resolved = 0
        with contextlib.closing(maxminddb.open_database(opened, maxminddb.MODE_AUTO)) as raw:
            for network, record in itertools.islice(iter(raw), _SAMPLE):
                country = record.get("country") if isinstance(record, dict) else None
                if not isinstance(country, dict) or not country.get("iso_code"):
                    continue
                self._check_code(country["iso_code"], str(network))
                if self._answer(str(network.network_address)).country != country["iso_code"]:
                    raise GeoDatabaseError(f"{self.path}: lookups disagree with the data "
                                           f"(network {network}); the file is damaged")
                resolved += 1
            self.families = self._families(raw, meta.ip_version)
        if not resolved:
            raise GeoDatabaseError(f"{self.path}: no network in the database resolves to a "
                                   "country; refusing a DB that would make every origin unknown")
        return info

    def _check_code(self, code: object, where: str) -> None:
        if code is not None and not is_alpha2(code):
            shown = repr(code)[:40]
            raise GeoDatabaseError(
                f"{self.path}: country code {shown} (network of {where}) is not an ISO 3166-1 "
                "alpha-2 code in upper case such as 'CN' (a DB from another converter?); "
                "refusing it: a mainland client must never be taken for an overseas one")

    @staticmethod
    def _families(raw: maxminddb.Reader, ip_version: int) -> frozenset[int]:
        """The address families the DB places at all: a family whose whole space (IPv4) or
        whose global unicast space (IPv6, 2000::/3, less the 6to4 and Teredo prefixes) is
        empty is not covered.

        Each block of _IPV6_GLOBAL is looked up at its first address: a record, or an empty
        block smaller than it (the tree splits inside it), is data in it. The 6to4 and Teredo
        prefixes are left out: an IPv4 database as MaxMind's writers build it aliases its IPv4
        tree there (and at ::ffff:0:0/96), which is no IPv6 network's data, and the gateway
        looks their clients up by the IPv4 address they embed (bad-day round 14: such a DB
        was taken to place IPv6, and a mainland IPv6 client was unknown, not blind)."""
        out = set()
        record, prefix = raw.get_with_prefix_len("1.0.0.1")
        if record is not None or prefix > 0:
            out.add(4)
        if ip_version == 6:
            for block in _IPV6_GLOBAL:
                record, prefix = raw.get_with_prefix_len(str(block.network_address))
                if record is not None or prefix > block.prefixlen:
                    out.add(6)
                    break
        return frozenset(out)

    def family_names(self) -> str:
        return ", ".join(FAMILY_NAMES[f] for f in sorted(self.families)) or "none"

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
        if iso is not None:
            if not isinstance(iso, str):
                raise ValueError("a country code that is not a string")
            iso = canonical_country(iso)
        anycast = bool(traits.get("is_anycast", False)) if isinstance(traits, dict) else False
        network = str(ipaddress.ip_network((address, prefix), strict=False)) if prefix else None
        return GeoAnswer(iso, anycast, network)

    def __call__(self, address: str) -> GeoAnswer:
        cached = self._cache.get(address)
        if cached is not None:
            return cached
        try:
            if (6 if ":" in address else 4) not in self.families:
                answer = _UNCOVERED  # the DB places no address of this family at all
            else:
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


def _write_atomic(target: Path, data: bytes) -> None:
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
    tmp.replace(target)


def remember_good(db: GeoDatabase, cache_dir: Path) -> None:
    """Record `db`'s private copy as the last good one and drop older copies (unlinking a
    mapped file is safe: the mapping keeps its inode)."""
    if db.private is None:
        return
    _write_atomic(cache_dir / LAST_GOOD, db.private.name.encode())
    for old in cache_dir.glob("geoip-*.mmdb"):
        if old != db.private:
            with contextlib.suppress(OSError):
                old.unlink()


def last_good(cache_dir: Path) -> Path | None:
    """The private copy of the last good DB, if one was kept."""
    try:
        name = (cache_dir / LAST_GOOD).read_text().strip()
    except OSError:
        return None
    path = cache_dir / Path(name).name
    return path if name and path.exists() else None


def no_database(_address: str) -> GeoAnswer:
    """Used only when an operator runs without a DB on purpose: every address is unknown."""
    return GeoAnswer(None)

"""What an auditor trusts (shell): log keys, witness keys and URLs, a quorum.

Given on the command line (`--public-key`, `--log-key`, `--witness`, `--witness-quorum`) or in
a trust file (`--trust`), never taken from the store or bundle being verified. A trust file has
one statement a line (`#` starts a comment):
    log-key <vkey>                 a log key as a signed-note vkey (type 0x01)
    public-key <path>              a PEM public key file or directory (relative to the file)
    witness <vkey> [<url>]         a witness cosigner key (type 0x04), and where to ask it
    witness-quorum <n>             how many witnesses must have cosigned (default 1)
    log <log id>                   a log the store must hold (deleting a whole log, one
                                   worker's, is otherwise invisible to verify)
Errors name `file:line: key: message`.
"""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from residency_gateway.audit.note import COSIGNATURE_V1, ED25519, NoteError, Verifier, parse_vkey
from residency_gateway.audit.signing import SigningKeyError, key_id_of, load_public_keys
from residency_gateway.files import read_regular


class TrustError(ValueError):
    """A trust statement that cannot be used."""


@dataclass
class Trust:
    log_keys: dict[str, Ed25519PublicKey] = field(default_factory=dict)
    witnesses: list[Verifier] = field(default_factory=list)
    witness_urls: dict[str, str] = field(default_factory=dict)  # witness name -> URL
    quorum: int = 1
    expected_logs: list[str] = field(default_factory=list)  # logs the store must hold

    def add_log_vkey(self, text: str, where: str) -> None:
        v = _vkey(text, where, "log-key")
        if v.sig_type != ED25519:
            raise TrustError(f"{where}: log-key: not a log key (signature type 0x01)")
        self.log_keys[key_id_of(v.public)] = v.public

    def add_expected_log(self, text: str, where: str) -> None:
        log_id = text.strip()
        if not log_id or any(c.isspace() or c in "/\\" for c in log_id):
            raise TrustError(f"{where}: log: expected one log id (a trail directory's name), "
                             f"found {text!r}")
        if log_id not in self.expected_logs:
            self.expected_logs.append(log_id)

    def add_witness(self, text: str, where: str) -> None:
        parts = text.split()
        if not parts or len(parts) > 2:
            raise TrustError(f"{where}: witness: expected `<vkey> [<url>]`")
        v = _vkey(parts[0], where, "witness")
        if v.sig_type != COSIGNATURE_V1:
            raise TrustError(f"{where}: witness: not a cosigner key (signature type 0x04)")
        self.witnesses.append(v)
        if len(parts) == 2:
            if not parts[1].startswith(("http://", "https://")):
                raise TrustError(f"{where}: witness: {parts[1]!r} is not an http(s) URL")
            self.witness_urls[v.name] = parts[1]


def _vkey(text: str, where: str, key: str) -> Verifier:
    try:
        return parse_vkey(text)
    except NoteError as exc:
        raise TrustError(f"{where}: {key}: {exc}") from None


def load_trust(*, public_keys: list[Path] | None = None, log_keys: list[str] | None = None,
               witnesses: list[str] | None = None, quorum: int | None = None,
               trust_file: Path | None = None, expected_logs: list[str] | None = None
               ) -> Trust:
    trust = Trust()
    if trust_file is not None:
        _read_file(trust, trust_file)
    try:
        trust.log_keys.update(load_public_keys(public_keys or []))
    except SigningKeyError as exc:
        raise TrustError(str(exc)) from None
    for text in log_keys or []:
        trust.add_log_vkey(text, "--log-key")
    for text in witnesses or []:
        trust.add_witness(text, "--witness")
    for log_id in expected_logs or []:
        trust.add_expected_log(log_id, "--expect-log")
    if quorum is not None:
        trust.quorum = quorum
    if trust.quorum < 1 or (trust.witnesses and trust.quorum > len(trust.witnesses)):
        raise TrustError(f"witness quorum {trust.quorum} must be between 1 and the "
                         f"{len(trust.witnesses)} witnesses given")
    return trust


MAX_TRUST_FILE_BYTES = 1 << 20


def _read_file(trust: Trust, path: Path) -> None:
    try:
        # a regular file, bounded (a named pipe given as --trust hung `audit verify`)
        lines = read_regular(path, MAX_TRUST_FILE_BYTES).decode("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise TrustError(f"{path}: {exc}") from None
    for number, raw in enumerate(lines, start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        word, _, rest = line.partition(" ")
        rest = rest.strip()
        where = f"{path}:{number}"
        if word == "log-key":
            trust.add_log_vkey(rest, where)
        elif word == "public-key":
            try:
                trust.log_keys.update(load_public_keys([path.parent / rest]))
            except SigningKeyError as exc:
                raise TrustError(f"{where}: public-key: {exc}") from None
        elif word == "witness":
            trust.add_witness(rest, where)
        elif word == "log":
            trust.add_expected_log(rest, where)
        elif word == "witness-quorum":
            if not rest.isdigit():
                raise TrustError(f"{where}: witness-quorum: {rest!r} is not a number")
            trust.quorum = int(rest)
        else:
            raise TrustError(f"{where}: {word}: unknown statement (log-key, public-key, "
                             "witness, witness-quorum, log)")


def fetch_latest(url: str, origin: str, timeout_s: float = 10.0) -> str:
    """The latest checkpoint a witness cosigned for `origin` (tlog-witness monitoring GET)."""
    target = f"{url.rstrip('/')}/{hashlib.sha256(origin.encode()).hexdigest()}/checkpoint"
    if not target.startswith(("http://", "https://")):
        raise TrustError(f"{url}: not an http(s) URL")
    # S310: the scheme is checked just above (http/https only).
    with urllib.request.urlopen(target, timeout=timeout_s) as resp:  # noqa: S310
        return str(resp.read(1 << 16).decode("utf-8"))


def ask_witnesses(trust: Trust, origin: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(where, note) from every witness URL that answers; and what went wrong with the others."""
    notes: list[tuple[str, str]] = []
    problems: list[str] = []
    for name, url in sorted(trust.witness_urls.items()):
        try:
            notes.append((f"witness {name} ({url})", fetch_latest(url, origin)))
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                problems.append(f"witness {name} has cosigned no checkpoint of {origin}")
            else:
                problems.append(f"witness {name} ({url}) answered HTTP {exc.code}")
        except (urllib.error.URLError, OSError, UnicodeDecodeError) as exc:
            problems.append(f"witness {name} ({url}) unreachable: {exc}")
    return notes, problems

"""Reading the files an operator points the gateway at (region maps, the GeoIP DB, keys).

Only a regular file is read (a symlink to one is fine), with a size bound, and the open never
blocks: a named pipe or a device put where a map, a DB or a key belongs would block the read
(on the event loop, during a reload) or never end (/dev/zero), taking the gateway down for
everyone (bad-day round 7: a pseudonym key that was a FIFO hung every tenant)."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import io
import os
import stat
from collections.abc import Callable
from pathlib import Path


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of `path`; FileNotFoundError when it does not exist, OSError when it is not
    a regular file or holds more than `limit` bytes."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        if st.st_size > limit:  # refused before a byte is read: a 2 GiB sparse DB costs
            # no memory (bad-day round 12); the read below still stops at limit + 1 for a
            # file that grows after this fstat
            raise OSError(errno.EFBIG, f"larger than {limit} bytes", str(path))
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise OSError(errno.EFBIG, f"larger than {limit} bytes", str(path))
        return b"".join(chunks)
    finally:
        os.close(fd)


def open_regular(path: Path) -> io.BufferedReader:
    """`path` opened for reading as a binary stream, if it is a regular file (a symlink to one
    is fine); OSError otherwise. The open never blocks: a trail segment, a checkpoint chain or
    a bundle file replaced by a named pipe or a link to /dev/zero is refused, not read forever
    (red-team round 7: `audit verify` hung on a FIFO checkpoints.jsonl)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        return io.BufferedReader(io.FileIO(fd, "rb", closefd=True))
    except BaseException:
        os.close(fd)
        raise


def open_regular_for_writing(path: Path, flags: int = os.O_APPEND, mode: int = 0o640) -> int:
    """A descriptor of `path` opened for writing (created if missing), if it is a regular
    file; OSError naming it otherwise. The open never blocks: O_WRONLY on a named pipe with
    no reader blocks forever (a segment or a checkpoint chain replaced by a FIFO hung the
    trail's writer thread); with O_NONBLOCK it fails (ENXIO), and a FIFO with a reader or a
    device is refused by the type check. O_NONBLOCK is cleared again (it means nothing for a
    regular file, but the descriptor is handed on)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_NONBLOCK | os.O_CLOEXEC | flags, mode)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        os.set_blocking(fd, True)
        return fd
    except BaseException:
        os.close(fd)
        raise


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_durable(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Replace `path` with `data` all or nothing: a temporary file beside it (one name per
    process and thread), written, fsync'd, renamed over `path`, and the directory fsync'd.
    A failure (no space, no inode) removes the temporary file and raises: `path` is then as
    it was, never a half-written or empty file that a later start takes for the real one."""
    import threading

    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC | os.O_NOFOLLOW,
                 mode)
    try:
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        tmp.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_dir(path.parent)


class HeldLock:
    """The flock on a directory's LOCK file that says one process writes there (a trail's log,
    a witness's store), and the check that LOCK still names the locked file: a cleanup job
    that deletes LOCK (tmpreaper, `find -delete` of empty files) let a second process lock a
    new inode and write beside this one (bad-day round 12)."""

    def __init__(self, path: Path):
        self.path = path
        self.fd: int | None = None

    def _open(self, *, exclusive_create: bool) -> int | None:
        """A descriptor of LOCK with the flock held, or None when another process holds it.
        `exclusive_create`: LOCK must not exist yet (taking it back after it was deleted)."""
        flags = os.O_RDWR | os.O_CREAT | os.O_NONBLOCK | os.O_CLOEXEC
        if exclusive_create:
            flags |= os.O_EXCL
        fd = os.open(self.path, flags, 0o600)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise OSError(errno.EINVAL, "not a regular file", str(self.path))
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        except BaseException:
            os.close(fd)
            raise
        return fd

    def take(self) -> bool:
        """Lock LOCK (created if missing); False when another process holds it."""
        self.fd = self._open(exclusive_create=False)
        return self.fd is not None

    def check(self, unchanged: Callable[[], bool]) -> str:
        """"held" when LOCK still names the locked file; "retaken" when LOCK was deleted,
        `unchanged()` says nothing else wrote meanwhile, and a new LOCK was created and locked
        before any other process made one; "lost" otherwise (another file there, or written
        under us): the caller then refuses to write until it is restarted."""
        assert self.fd is not None
        held = os.fstat(self.fd)
        try:
            named = self.path.stat()
        except FileNotFoundError:
            named = None
        if named is not None and (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino):
            return "held"
        if named is None and unchanged():
            try:
                fd = self._open(exclusive_create=True)
            except FileExistsError:  # another process made it first
                fd = None
            if fd is not None:
                os.close(self.fd)
                self.fd = fd
                return "retaken"
        return "lost"

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

"""Zip archives written atomically and reproducibly (Darwin Core Archives, backups).

An archive is written to a temporary file beside its destination and renamed
over it only when complete, so a reader never sees half an archive and a
failed export leaves any previous file as it was.  Members carry a fixed
time stamp and permissions, so the same content gives the same bytes.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

__all__ = ["atomic_zip", "write_member", "open_member", "sha256_member"]

#: Time stamp of every member (the earliest a zip file can hold).
_MEMBER_DATE = (1980, 1, 1, 0, 0, 0)


@contextmanager
def atomic_zip(path: str | os.PathLike) -> Iterator[zipfile.ZipFile]:
    """A zip file open for writing that appears at ``path`` only if the block succeeds."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=path.parent)
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            yield zf
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_MEMBER_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def write_member(zf: zipfile.ZipFile, name: str, data: bytes) -> str:
    """Add ``data`` as member ``name``; returns its SHA-256."""
    zf.writestr(_info(name), data)
    return hashlib.sha256(data).hexdigest()


@contextmanager
def open_member(zf: zipfile.ZipFile, name: str) -> Iterator[IO[bytes]]:
    """A binary stream that becomes member ``name`` (for members too big to hold in memory)."""
    with zf.open(_info(name), "w", force_zip64=True) as fh:
        yield fh


def sha256_member(zf: zipfile.ZipFile, name: str, chunk: int = 1 << 20) -> str:
    """SHA-256 of the uncompressed bytes of member ``name``."""
    h = hashlib.sha256()
    with zf.open(name) as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()

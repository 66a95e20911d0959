"""Packed pulled files: many ``<UTC time>.jsonl`` pulls of one source kept in one zip archive.

``<data-dir>/_pulled/<source>/<first pull>--<last pull>.jsonl.zip`` holds earlier pull files
**byte for byte, under their own names** (deflate-compressed members, in pull order). Each
member's zip comment is JSON ``{"sha256": …, "bytes": …}`` of the original file, so the ingest
can tell that it already loaded a member without decompressing it; the archive comment marks
the format. The ingest reads an archive member by member, each exactly as the file it was
(same name, same lines, same hash), so packing files changes nothing in the warehouse
(:mod:`civicgrid.sources.compact` decides when to pack).

This module uses only the standard library (``zipfile``): the ingest stage imports it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

#: how a packed archive's name ends (the connector's ``*.jsonl`` glob does not match it)
ARCHIVE_SUFFIX = ".jsonl.zip"
#: the archive comment that marks the format
ARCHIVE_MARK = b"civicgrid pulled-files archive v1"
_BLOCK = 1 << 20


class ArchiveError(ValueError):
    """A packed archive cannot be read (damaged, or not a civicgrid archive)."""


@dataclass(frozen=True)
class Member:
    """One original pull file inside an archive: its name, SHA-256 (hex) and size in bytes."""

    name: str
    sha256: str
    bytes: int


def is_archive(path: str | Path) -> bool:
    """True when ``path`` is named like a packed archive (``….jsonl.zip``)."""
    return Path(path).name.endswith(ARCHIVE_SUFFIX)


def archive_name(first: str, last: str) -> str:
    """``<first stem>--<last stem>.jsonl.zip`` for members named ``<stem>.jsonl``.

    Starting with the first member's name keeps archives in pull order among the loose files.
    """
    return f"{_stem(first)}--{_stem(last)}{ARCHIVE_SUFFIX}"


def _stem(name: str) -> str:
    return name[: -len(".jsonl")] if name.endswith(".jsonl") else name


def file_sha256(path: Path) -> str:
    """SHA-256 (hex) of a file's bytes, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(_BLOCK), b""):
            h.update(block)
    return h.hexdigest()


def read_members(path: Path) -> list[Member]:
    """The members of an archive, in the order they were packed (pull order).

    Reads only the zip's central directory (no decompression).

    Raises:
        ArchiveError: the file is not a zip, not a civicgrid archive, or a member lacks its hash.
    """
    try:
        with zipfile.ZipFile(path) as z:
            if z.comment != ARCHIVE_MARK:
                raise ArchiveError(f"{path.name}: not a civicgrid pulled-files archive; move it out of {path.parent}.")
            out = []
            for info in z.infolist():
                try:
                    meta = json.loads(info.comment.decode())
                    out.append(Member(info.filename, str(meta["sha256"]), int(meta["bytes"])))
                except (ValueError, KeyError, TypeError):
                    raise ArchiveError(f"{path.name}: member {info.filename} has no readable hash; "
                                       "the archive is damaged, restore it from a backup.") from None
            return out
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ArchiveError(f"{path.name}: cannot read the archive ({exc}); it is damaged, restore it from a backup.") from exc


def extract_member(path: Path, member: Member, dest_dir: Path) -> Path:
    """Write ``member`` of the archive ``path`` to ``dest_dir/<member name>`` and return that path.

    Raises:
        ArchiveError: the member cannot be read or its bytes do not match the recorded hash.
    """
    out = Path(dest_dir) / member.name
    h = hashlib.sha256()
    try:
        with zipfile.ZipFile(path) as z, z.open(member.name) as src, open(out, "wb") as dst:
            for block in iter(lambda: src.read(_BLOCK), b""):
                h.update(block)
                dst.write(block)
    except (zipfile.BadZipFile, KeyError, OSError, EOFError) as exc:
        raise ArchiveError(f"{path.name}: cannot read member {member.name} ({exc}); "
                           "the archive is damaged, restore it from a backup.") from exc
    if h.hexdigest() != member.sha256:
        raise ArchiveError(f"{path.name}: member {member.name} does not match its recorded hash; "
                           "the archive is damaged, restore it from a backup.")
    return out


def write_archive(tmp: Path, base: Path | None, others: list[Path], files: list[Path]) -> list[Member]:
    """Write a new archive to ``tmp``: ``base``'s members (a raw copy), then the members of
    ``others`` not already in it, then ``files`` not already in it; fsync it; verify it.

    Args:
        tmp: the file to write (a hidden name in the same folder; the caller renames it).
        base: an existing archive copied as it is (its members were verified when it was written).
        others: further archives whose members are added (re-compressed).
        files: loose pull files added as members, in this order.

    Returns:
        Every member of the new archive, in order.

    Raises:
        ArchiveError: a source archive is unreadable, or the written archive does not read back
            as exactly what was put in (then nothing may be deleted).
        OSError: the disk is full or not writable.
    """
    if base is not None:
        shutil.copyfile(base, tmp)
    added: list[Member] = []
    with zipfile.ZipFile(tmp, "a" if base is not None else "w", zipfile.ZIP_DEFLATED) as z:
        have = {i.filename for i in z.infolist()}
        for other in others:
            for m in read_members(other):
                if m.name not in have:
                    with zipfile.ZipFile(other) as src, src.open(m.name) as r, z.open(_info(m), "w") as w:
                        shutil.copyfileobj(r, w, _BLOCK)
                    have.add(m.name)
                    added.append(m)
        for f in files:
            if f.name in have:
                continue
            m = Member(f.name, file_sha256(f), f.stat().st_size)
            with open(f, "rb") as r, z.open(_info(m), "w") as w:
                shutil.copyfileobj(r, w, _BLOCK)
            have.add(f.name)
            added.append(m)
        z.comment = ARCHIVE_MARK
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    members = read_members(tmp)
    by_name = {m.name: m for m in members}
    for m in added:  # read back what was added: the zip CRC and the recorded hash must both hold
        if by_name.get(m.name) != m:
            raise ArchiveError(f"{tmp.name}: {m.name} is missing from the written archive; nothing was removed.")
        verify_member(tmp, m)
    return members


def verify_member(path: Path, member: Member) -> None:
    """Read a member to the end, checking its zip CRC and recorded hash.

    Raises:
        ArchiveError: the member does not read back as recorded.
    """
    h = hashlib.sha256()
    try:
        with zipfile.ZipFile(path) as z, z.open(member.name) as src:
            for block in iter(lambda: src.read(_BLOCK), b""):
                h.update(block)
    except (zipfile.BadZipFile, KeyError, OSError, EOFError) as exc:
        raise ArchiveError(f"{path.name}: {member.name} does not read back ({exc}); nothing was removed.") from exc
    if h.hexdigest() != member.sha256:
        raise ArchiveError(f"{path.name}: {member.name} does not read back as written; nothing was removed.")


def _info(m: Member) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(m.name, date_time=_zip_time(m.name))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.comment = json.dumps({"sha256": m.sha256, "bytes": m.bytes}).encode()
    return info


def _zip_time(name: str) -> tuple[int, int, int, int, int, int]:
    """The pull time from a ``YYYYMMDDTHHMMSS…`` name (zip timestamps cannot be before 1980)."""
    try:
        s = name[:15]
        t = (int(s[0:4]), int(s[4:6]), int(s[6:8]), int(s[9:11]), int(s[11:13]), int(s[13:15]))
        return t if t[0] >= 1980 and s[8] == "T" else (1980, 1, 1, 0, 0, 0)
    except (ValueError, IndexError):
        return (1980, 1, 1, 0, 0, 0)

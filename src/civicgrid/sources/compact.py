"""Keep ``_pulled/<source>/`` small: pack old pull files into one archive, losing nothing.

Every pull that brings rows writes one ``<UTC time>.jsonl`` file, and the build reads every
file there, so they cannot simply be deleted. When a source has more than ``compact_after``
loose pull files (``connector.compact_after`` in ``city.yaml``, default 30), all but the newest
are packed into the source's archive ``<first pull>--<last pull>.jsonl.zip``
(:mod:`civicgrid.sources.archive`). The ingest reads an archive member by member, each as the
file it was, so the warehouse — record tables, ``*_history``, ``quarantine`` — is identical
before and after packing, and a rebuild from ``_pulled/`` gives the same result.

Crash safety (the rule: a crash at any point loses no row and duplicates none):

1. the new archive is written to a hidden ``.<name>.part`` (the previous archive copied, the
   packed files added), fsync-ed and read back: every added member must match its file's hash;
2. it is renamed into place (atomic) and the folder fsync-ed;
3. only then are the packed files and the previous archive deleted.

A crash before 2 leaves a ``.part`` file that is removed next time (the build never reads it).
A crash between 2 and 3 leaves files that are also inside the archive: they have the same name
and hash as the member, so the ingest counts them ``unchanged`` (the same bytes are never loaded
twice), and the next compaction deletes a loose file or an older archive only when the archive
holds every one of its members with the same hash.

Call it under the warehouse lock (``civicgrid refresh`` and ``civicgrid compact`` do), so no
pull or refresh build reads the folder meanwhile.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

from civicgrid.config import CityConfig
from civicgrid.sources.archive import (ARCHIVE_SUFFIX, ArchiveError, archive_name, file_sha256, read_members,
                                       write_archive)
from civicgrid.sources.store import source_dir

@dataclass
class CompactReport:
    """What compacting one source's pulled folder did."""

    source: str
    status: str  # packed | nothing_to_do | off | failed
    files_packed: int = 0  # loose pull files moved into the archive
    members: int = 0  # pull files inside the archive afterwards
    loose: int = 0  # loose pull files left
    archive: str | None = None
    bytes_before: int = 0  # loose files packed + previous archive(s)
    bytes_after: int = 0  # the new archive
    cleaned: list[str] = field(default_factory=list)  # leftovers of an interrupted compaction removed
    message: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def compact_all(cfg: CityConfig, after: int | None = None, only: list[str] | None = None) -> list[CompactReport]:
    """Compact every connector source (or those named in ``only``); never raises for one source.

    Args:
        cfg: the city configuration (its data folder holds ``_pulled/``).
        after: pack when a source has more than this many loose pull files; None uses each
            source's ``connector.compact_after``; 0 never packs.
        only: source names to compact (default: every connector source).

    Returns:
        One :class:`CompactReport` per connector source; a failure is ``status == "failed"``
        with a one-sentence message, and the source's files are as they were.
    """
    out = []
    for s in cfg.sources:
        if s.connector is None or (only is not None and s.name not in only):
            continue
        limit = s.connector.compact_after if after is None else after
        try:
            out.append(compact_source(source_dir(cfg.data_dir, s.name), s.name, limit))
        except (ArchiveError, OSError) as exc:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc).rstrip(".")
            out.append(_failed(s.name, why))
        except Exception as exc:  # a bug: still only this source's packing stops, and nothing was removed
            out.append(_failed(s.name, f"{type(exc).__name__}: {exc}"))
    return out


def _failed(name: str, why: str) -> CompactReport:
    return CompactReport(name, "failed", message=f"{name}: compaction stopped ({why}); "
                         "no pulled row was lost, the next run tries again.")


def compact_source(folder: Path, name: str, after: int) -> CompactReport:
    """Pack all but the newest loose pull file of ``folder`` when there are more than ``after``.

    Also finishes an interrupted earlier compaction (see the module docstring).

    Args:
        folder: ``<data-dir>/_pulled/<source>``.
        name: the source name (for the report).
        after: the loose-file count above which to pack; 0 turns packing off (leftovers of an
            interrupted compaction are still cleaned up).

    Returns:
        A :class:`CompactReport`.

    Raises:
        ArchiveError: an archive in the folder is damaged, or the new one did not read back as
            written (nothing is removed).
        OSError: the folder is not writable or the disk is full (a file is only ever removed
            once the renamed archive holds it, so no row is lost).
    """
    rep = CompactReport(name, "nothing_to_do")
    if not folder.is_dir():
        rep.message = "no pulled files yet"
        return rep
    rep.cleaned = recover(folder)
    loose = sorted(folder.glob("*.jsonl"))
    archives = sorted(folder.glob("*" + ARCHIVE_SUFFIX))
    rep.loose = len(loose)
    rep.members = sum(len(read_members(a)) for a in archives)
    rep.archive = archives[-1].name if archives else None
    if after <= 0:
        rep.status, rep.message = "off", "compaction is off (compact_after: 0)"
        return rep
    if len(loose) <= after:
        rep.message = f"{len(loose)} loose pull file(s), packing above {after}"
        return rep
    pack = loose[:-1]  # the newest stays a plain file: the last pull, readable as it came
    base, others = _base(archives)
    rep.bytes_before = sum(p.stat().st_size for p in pack + archives)
    tmp = folder / f".{uuid.uuid4().hex}{ARCHIVE_SUFFIX}.part"
    try:
        members = write_archive(tmp, base, others, pack)
        names = sorted(m.name for m in members)
        final = folder / archive_name(names[0], names[-1])
        os.replace(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(folder)
    kept = _remove_packed(final, members, pack, archives)
    rep.status, rep.members, rep.archive = "packed", len(members), final.name
    rep.files_packed = len(pack) - sum(p.name in kept for p in pack)
    rep.bytes_after, rep.loose = final.stat().st_size, len(loose) - rep.files_packed
    rep.message = (f"packed {rep.files_packed} pull file(s) into {final.name} ({len(members)} in all, "
                   f"{rep.bytes_after:,} bytes); {rep.loose} loose file(s) left")
    if kept:
        rep.message += (f"; kept {', '.join(kept)}: the archive already holds a different file of the same "
                        "name — compare them and remove the wrong one by hand")
    return rep


def _remove_packed(final: Path, members, pack: list[Path], archives: list[Path]) -> list[str]:
    """Delete each packed file and superseded archive whose every byte is in ``final`` (by name and
    hash); return the names kept because the archive holds a different file of that name."""
    have = {(m.name, m.sha256) for m in members}
    kept = []
    for p in pack:
        if (p.name, file_sha256(p)) in have:
            p.unlink()
        else:
            kept.append(p.name)
    for a in archives:
        if a == final:
            continue
        if {(m.name, m.sha256) for m in read_members(a)} <= have:
            a.unlink()
        else:
            kept.append(a.name)
    _fsync_dir(final.parent)
    return kept


def _base(archives: list[Path]) -> tuple[Path | None, list[Path]]:
    """The archive to extend (the one with most members: copied raw) and the others to merge in."""
    if not archives:
        return None, []
    sizes = {a: len(read_members(a)) for a in archives}
    base = max(archives, key=lambda a: (sizes[a], a.name))
    return base, [a for a in archives if a != base]


def recover(folder: Path) -> list[str]:
    """Finish an interrupted compaction: remove ``.part`` leftovers, archives whose every member
    is in another archive, and loose files whose name and hash are an archive member's.

    Returns:
        The names removed.

    Raises:
        ArchiveError: an archive is damaged (then nothing is removed on its account).
    """
    removed = []
    for part in folder.glob(".*" + ARCHIVE_SUFFIX + ".part"):
        part.unlink(missing_ok=True)
        removed.append(part.name)
    archives = sorted(folder.glob("*" + ARCHIVE_SUFFIX))
    index = {a: {m.name: m.sha256 for m in read_members(a)} for a in archives}
    for a in archives:
        mine = index[a].items()
        if any(b != a and b.exists() and mine <= index[b].items()
               and (len(index[b]) > len(index[a]) or b.name > a.name) for b in archives):
            a.unlink()
            removed.append(a.name)
    packed: dict[str, set[str]] = {}
    for a in archives:
        if a.exists():
            for n, sha in index[a].items():
                packed.setdefault(n, set()).add(sha)
    for f in sorted(folder.glob("*.jsonl")):
        if f.name in packed and file_sha256(f) in packed[f.name]:
            f.unlink()
            removed.append(f.name)
    if removed:
        _fsync_dir(folder)
    return removed


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


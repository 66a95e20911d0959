"""Stream records out of an export file without loading it whole.

Every reader yields :class:`RawRecord` objects: the physical line number where the
record starts, the values keyed by header name, the raw text of the record (for the
quarantine) and, when the record is broken, the reason. Readers never raise on a bad
record: they yield it with ``error`` set, so the caller can quarantine it and go on.

Formats: CSV/TSV (quoted fields with embedded newlines; UTF-8, UTF-8 with BOM,
latin-1, cp1252 …; bytes invalid for the declared encoding make that record
quarantined, not the file lost), XLSX (python-calamine), JSON (an array, or an array
at a dotted path such as ``result.records``), JSON Lines; any of them gzip-compressed.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterator

csv.field_size_limit(10 * 1024 * 1024)


class FileError(ValueError):
    """The whole file cannot be read (missing, wrong format, no header); one sentence why."""


@dataclass
class RawRecord:
    """One record as read: line (1-based, where it starts), values by header, raw text."""

    line: int
    values: dict[str, str] | None
    raw: str
    error: str | None = None


def detect_format(path: Path, declared: str | None, compression: str | None) -> tuple[str, bool]:
    """Return ``(format, gzipped)`` from the config or the file name (``.csv.gz`` → csv, gzip)."""
    name = path.name.lower()
    gz = compression == "gzip" or (compression is None and name.endswith(".gz"))
    if gz and name.endswith(".gz"):
        name = name[:-3]
    if declared:
        return declared, gz
    for ext, fmt in ((".csv", "csv"), (".tsv", "tsv"), (".txt", "csv"), (".xlsx", "xlsx"),
                     (".jsonl", "jsonl"), (".ndjson", "jsonl"), (".json", "json")):
        if name.endswith(ext):
            return fmt, gz
    raise FileError(f"{path.name}: cannot tell the format from the file name; set 'format' in the source config.")


def _open_binary(path: Path, gz: bool) -> IO[bytes]:
    raw = open(path, "rb")
    if gz:
        return gzip.GzipFile(fileobj=raw)  # type: ignore[return-value]
    return raw


class _LineSource:
    """Decodes a byte stream line by line; remembers the raw lines of the current record.

    Bytes that are invalid in the declared encoding are replaced (U+FFFD) and the
    record that contains them is marked, so it is quarantined rather than silently
    changed.
    """

    def __init__(self, fh: IO[bytes], encoding: str):
        self.fh = fh
        enc = codecs.lookup(encoding).name
        self.encoding = "utf-8" if enc in ("utf-8-sig",) else enc
        self.strip_bom = enc in ("utf-8", "utf-8-sig")
        self.lineno = 0
        self.buffer: list[str] = []
        self.bad_line: int | None = None
        self.truncated = False

    def __iter__(self) -> "_LineSource":
        return self

    def __next__(self) -> str:
        try:
            b = self.fh.readline()
        except (EOFError, gzip.BadGzipFile, OSError) as exc:
            # a gzip stream cut short: what was read stays, the rest is reported
            self.truncated = True
            raise StopIteration from exc
        if not b:
            raise StopIteration
        self.lineno += 1
        if self.lineno == 1 and self.strip_bom and b.startswith(codecs.BOM_UTF8):
            b = b[3:]
        try:
            s = b.decode(self.encoding)
        except UnicodeDecodeError as exc:
            s = b.decode(self.encoding, errors="replace")
            if self.bad_line is None:
                self.bad_line = self.lineno
                self.bad_detail = f"byte 0x{b[exc.start]:02x} at column {exc.start + 1}"
        self.buffer.append(s)
        return s


def read_delimited(path: Path, gz: bool, encoding: str, delimiter: str) -> tuple[list[str], Iterator[RawRecord]]:
    """Open a CSV/TSV export; return its header and an iterator of records.

    Raises:
        FileError: the file has no header row.
    """
    fh = _open_binary(path, gz)
    src = _LineSource(fh, encoding)
    # strict: a quote that closes mid-field (an unclosed quote swallowing the next line) is an
    # error for that record, which is quarantined, instead of silently merging two rows
    reader = csv.reader(src, delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        fh.close()
        return [], iter(())
    except csv.Error as exc:
        fh.close()
        raise FileError(f"{path.name}: the header row cannot be read as {delimiter!r}-delimited text ({exc}).") from exc
    header = [h.strip() for h in header]
    if src.bad_line is not None:
        fh.close()
        raise FileError(f"{path.name}: the header row has bytes that are not valid {encoding}; set 'encoding' in the source config (e.g. cp1252 or latin-1).")
    return header, _iter_delimited(fh, src, reader, header, encoding)


def _iter_delimited(fh, src: _LineSource, reader, header: list[str], encoding: str) -> Iterator[RawRecord]:
    n = len(header)
    try:
        while True:
            src.buffer.clear()
            src.bad_line = None
            start = src.lineno + 1
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                raw = "".join(src.buffer)
                yield RawRecord(start, None, raw, f"malformed CSV record ({exc}); an unclosed quote may have joined lines")
                continue
            raw = "".join(src.buffer)
            if not row and raw.strip() == "":
                continue  # blank line: not a record
            if src.bad_line is not None:
                yield RawRecord(start, None, raw,
                                f"bytes not valid {encoding} ({src.bad_detail}); fix the export or set the source's encoding")
                continue
            if len(row) != n:
                why = "fewer" if len(row) < n else "more"
                hint = " (truncated file or an unclosed quote?)" if why == "fewer" else ""
                yield RawRecord(start, None, raw, f"row has {len(row)} fields, {why} than the {n} in the header{hint}")
                continue
            yield RawRecord(start, dict(zip(header, row)), raw)
        if src.truncated:
            yield RawRecord(src.lineno + 1, None, "", "compressed file ends early (truncated gzip); rows after this point are missing")
    finally:
        fh.close()


def read_xlsx(path: Path, sheet: str | int | None) -> tuple[list[str], Iterator[RawRecord]]:
    """Read the first (or named) sheet of an .xlsx workbook; the first row is the header.

    Raises:
        FileError: the workbook cannot be opened or the sheet does not exist.
    """
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
        names = wb.sheet_names
        if sheet is None:
            ws = wb.get_sheet_by_index(0)
        elif isinstance(sheet, int):
            ws = wb.get_sheet_by_index(sheet)
        else:
            if sheet not in names:
                raise FileError(f"{path.name}: no sheet named {sheet!r}; the workbook has {names}.")
            ws = wb.get_sheet_by_name(sheet)
        rows = ws.to_python(skip_empty_area=False)
    except FileError:
        raise
    except Exception as exc:  # calamine raises its own error types
        raise FileError(f"{path.name}: cannot be opened as an Excel workbook ({exc}).") from exc
    if not rows:
        return [], iter(())
    header = [_cell_text(h).strip() for h in rows[0]]

    def gen() -> Iterator[RawRecord]:
        for i, row in enumerate(rows[1:], start=2):
            cells = [_cell_text(c) for c in row]
            if all(c == "" for c in cells):
                continue
            cells += [""] * (len(header) - len(cells))
            raw = "\t".join(cells)
            yield RawRecord(i, dict(zip(header, cells[: len(header)])), raw)

    return header, gen()


def _cell_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return str(v)


def read_json(path: Path, gz: bool, encoding: str, records_path: str | None, lines: bool) -> tuple[list[str], Iterator[RawRecord]]:
    """Read JSON (an array of objects, optionally at a dotted path) or JSON Lines.

    Values are turned into text (nested objects as JSON) so every format maps the same way.
    The header is the union of keys seen in the first 1,000 records.

    Raises:
        FileError: the document is not JSON or the records path does not lead to a list.
    """
    if lines:
        def gen_lines() -> Iterator[RawRecord]:
            text = io.TextIOWrapper(_open_binary(path, gz), encoding=encoding, errors="replace", newline="")
            try:
                for i, line in enumerate(text, start=1):
                    if not line.strip():
                        continue
                    if "\ufffd" in line:
                        yield RawRecord(i, None, line, f"bytes not valid {encoding}")
                        continue
                    try:
                        obj = json.loads(line)
                    except json.JSONDecodeError as exc:
                        yield RawRecord(i, None, line, f"not valid JSON ({exc.msg} at column {exc.colno})")
                        continue
                    if not isinstance(obj, dict):
                        yield RawRecord(i, None, line, "a JSON Lines record must be an object")
                        continue
                    yield RawRecord(i, {k: _json_text(v) for k, v in obj.items()}, line.rstrip("\n"))
            except (EOFError, gzip.BadGzipFile) as exc:
                yield RawRecord(0, None, "", f"compressed file ends early ({exc}); rows after this point are missing")
            finally:
                text.close()

        first = _peek_keys(gen_lines())
        return first, gen_lines()
    with _open_binary(path, gz) as fh:
        try:
            doc = json.loads(fh.read().decode(encoding))
        except (json.JSONDecodeError, UnicodeDecodeError, EOFError) as exc:
            raise FileError(f"{path.name}: not a readable JSON document ({exc}).") from exc
    node = doc
    for part in (records_path.split(".") if records_path else []):
        if not isinstance(node, dict) or part not in node:
            raise FileError(f"{path.name}: json_records path {records_path!r} not found in the document.")
        node = node[part]
    if isinstance(node, dict) and records_path is None:
        raise FileError(f"{path.name}: the document is an object; set 'json_records' to the path of its records list.")
    if not isinstance(node, list):
        raise FileError(f"{path.name}: expected a list of records at {records_path or 'the top level'}.")

    def gen() -> Iterator[RawRecord]:
        for i, obj in enumerate(node, start=1):
            raw = json.dumps(obj, ensure_ascii=False)
            if not isinstance(obj, dict):
                yield RawRecord(i, None, raw, "record is not a JSON object")
                continue
            yield RawRecord(i, {k: _json_text(v) for k, v in obj.items()}, raw)

    keys: dict[str, None] = {}
    for obj in node[:1000]:
        if isinstance(obj, dict):
            keys.update(dict.fromkeys(obj))
    return list(keys), gen()


def _peek_keys(records: Iterator[RawRecord]) -> list[str]:
    keys: dict[str, None] = {}
    for n, rec in enumerate(records):
        if rec.values:
            keys.update(dict.fromkeys(rec.values))
        if n >= 1000:
            break
    return list(keys)


def _json_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


def open_records(path: Path, fmt: str, gz: bool, encoding: str, delimiter: str | None,
                 sheet: str | int | None = None, json_records: str | None = None) -> tuple[list[str], Iterator[RawRecord]]:
    """Open any supported export; return ``(header, records)``.

    Raises:
        FileError: the file is missing or cannot be read at all.
    """
    if not path.exists():
        raise FileError(f"{path}: file not found; check the source's path and --data-dir.")
    if fmt in ("csv", "tsv"):
        return read_delimited(path, gz, encoding, delimiter or ("\t" if fmt == "tsv" else ","))
    if fmt == "xlsx":
        return read_xlsx(path, sheet)
    if fmt in ("json", "jsonl"):
        return read_json(path, gz, encoding, json_records, lines=fmt == "jsonl")
    raise FileError(f"{path.name}: unsupported format {fmt!r}.")

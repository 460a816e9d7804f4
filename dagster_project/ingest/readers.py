"""Read one extract file (CSV in UTF-8/GBK, or xlsx) into an Arrow table of strings.

Pure functions, no database: headers are found and mapped to the contract's canonical names,
every row keeps its physical row number, and rows that cannot be parsed are returned for
quarantine instead of being dropped.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import json
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from dagster_project.ingest.specs import ExtractSpec, normalise_header

HEADER_SEARCH_ROWS = 20
BLANK = "blank"  # a bad row's reason for a line with no value: skipped, not quarantined
_CHUNK = 1 << 22
_TAIL = 1 << 16  # bytes read from a file's end to find its last line


class IngestError(Exception):
    """A file that cannot be loaded at all. The message names the file (and row/column where
    it applies) and says what to do."""

    def __init__(self, file: str, problem: str, fix: str, row: int | None = None, column: str | None = None):
        where = file + (f" 第{row}行" if row else "") + (f" 列「{column}」" if column else "")
        super().__init__(f"{where}: {problem}。{fix}")
        self.file, self.row, self.column, self.problem = file, row, column, problem


@dataclass
class BadRow:
    row: int | None
    column: str | None
    value: str | None
    reason: str


@dataclass
class ParsedFile:
    path: Path
    sha256: str
    encoding: str
    header_row: int
    source_headers: list[str]
    canonical: list[str | None]  # per source column: the contract header, or None (kept in _extra)
    table: pa.Table  # canonical columns present in the file + _row_number + _extra
    bad_rows: list[BadRow] = field(default_factory=list)
    blank_rows: int = 0  # lines after the header with no value at all (skipped, counted)


def _decode_check(path: Path, encoding: str, digest=None) -> tuple[int | None, bool]:
    """(1-based line of the first byte ``encoding`` cannot decode or None, whether that is only
    a character cut off at the very end of the file); feeds every byte to ``digest`` on the way,
    so hashing and the encoding check share one read."""
    decoder = codecs.getincrementaldecoder(encoding)()
    line, bad = 1, None
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            if digest is not None:
                digest.update(chunk)
            if bad is None:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as e:
                    bad = line + chunk[: max(e.start, 0)].count(b"\n")
            if bad is not None and digest is None:
                break
            line += chunk.count(b"\n")
    if bad is None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return line, True
    return bad, False


def undecodable_line(path: Path, encoding: str, digest=None) -> int | None:
    """1-based line of the first byte ``encoding`` cannot decode (None if all decode)."""
    return _decode_check(path, encoding, digest)[0]


def _truncated(file: str, problem: str, row: int | None = None) -> IngestError:
    return IngestError(
        file,
        f"{problem}：文件可能还没有复制完，或在复制、导出时被截断",
        "请等复制完成，或从源系统重新导出、重新复制完整的文件后重新运行（make pipeline）",
        row=row,
    )


def sniff(path: Path) -> tuple[str, str]:
    """(sha256, encoding): 'utf-8-sig', 'utf-8' or 'gb18030' (which includes GBK). A file that
    decodes but for a character cut off at its end was truncated, and is refused as such."""
    digest = hashlib.sha256()
    utf8_bad, utf8_cut = _decode_check(path, "utf-8", digest)
    if utf8_bad is None:
        with path.open("rb") as f:
            bom = f.read(3) == codecs.BOM_UTF8
        return digest.hexdigest(), "utf-8-sig" if bom else "utf-8"
    if utf8_cut:
        raise _truncated(path.name, "文件在最后一个汉字的中间结束", utf8_bad)
    gb_bad, gb_cut = _decode_check(path, "gb18030")
    if gb_bad is None:
        return digest.hexdigest(), "gb18030"
    if gb_cut:
        raise _truncated(path.name, "文件在最后一个汉字的中间结束", gb_bad)
    raise IngestError(
        path.name,
        "文件编码无法识别（既不是 UTF-8 也不是 GBK/GB18030）",
        "请从源系统重新导出为 UTF-8 或 GBK 编码的 CSV，或另存为 xlsx",
        row=max(utf8_bad, gb_bad),
    )


def check_last_row(path: Path, encoding: str, n_fields: int) -> None:
    """A CSV must end with a whole row: either a line break, or a last line holding as many
    fields as the header. A copy cut off mid-row is refused, not loaded with a short row."""
    size = path.stat().st_size
    with path.open("rb") as f:
        f.seek(max(0, size - _TAIL))
        tail = f.read()
    if tail.endswith(b"\n"):
        return
    last = tail.rsplit(b"\n", 1)[-1].decode(encoding, errors="replace")
    fields = next(csv.reader([last]), [])
    if len(fields) != n_fields:
        lines = 1
        with path.open("rb") as f:
            while chunk := f.read(_CHUNK):
                lines += chunk.count(b"\n")
        raise _truncated(path.name, f"最后一行不完整（只有 {len(fields)} 个字段，表头有 {n_fields} 个）", lines)


def _header_map(spec: ExtractSpec, cells: list[object]) -> list[str | None]:
    aliases = dict(spec.aliases)
    return [aliases.get(normalise_header(c)) for c in cells]


def _find_header(spec: ExtractSpec, rows: list[list[object]], file: str) -> int:
    """0-based index of the first row that looks like this extract's header."""
    for i, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if sum(m is not None for m in _header_map(spec, cells)) >= min(2, len(spec.required)):
            return i
    raise IngestError(
        file,
        f"前{HEADER_SEARCH_ROWS}行中找不到{spec.title}的表头（应含「{'、'.join(spec.required)}」等列）",
        "请检查文件是否放错目录，或表头是否被改名",
    )


def _check_required(spec: ExtractSpec, canonical: list[str | None], file: str, header_row: int) -> None:
    missing = [h for h in spec.required if h not in canonical]
    if missing:
        raise IngestError(
            file,
            f"缺少必需列「{'、'.join(missing)}」",
            "请在源系统导出时勾选这些列（别名见 dbt/seeds/header_aliases.csv）",
            row=header_row,
        )
    seen: set[str] = set()
    for c in canonical:
        if c is not None and c in seen:
            raise IngestError(file, f"列「{c}」出现了两次（含别名）", "请删除重复的列后重新放入", row=header_row)
        if c is not None:
            seen.add(c)


def _assemble(
    columns: list[pa.Array], canonical: list[str | None], source_headers: list[str], row_numbers: np.ndarray
) -> tuple[pa.Table, list[BadRow]]:
    """The file's rows under their canonical names, with ``_row_number`` and ``_extra`` (the
    columns outside the contract, as JSON). A repeated header row is returned as a bad row."""
    repeated = np.ones(len(row_numbers), dtype=bool)
    for name, src, arr in zip(canonical, source_headers, columns, strict=True):
        if name is not None:
            repeated &= np.asarray(pc.fill_null(pc.equal(arr, src), False))
    bad = [BadRow(int(r), None, None, "重复的表头行") for r in row_numbers[repeated]] if repeated.any() else []
    if bad:
        keep = pa.array(~repeated)
        columns = [pc.filter(a, keep) for a in columns]
        row_numbers = row_numbers[~repeated]
    names, arrays, extra = [], [], []
    for name, src, arr in zip(canonical, source_headers, columns, strict=True):
        if name is None:
            extra.append((src, arr))
        else:
            names.append(name)
            arrays.append(arr)
    names.append("_row_number")
    arrays.append(pa.array(row_numbers, pa.int64()))
    if extra:
        values = [a.to_pylist() for _, a in extra]
        keys = [k for k, _ in extra]
        blobs = [
            json.dumps(dict(zip(keys, vals, strict=True)), ensure_ascii=False) for vals in zip(*values, strict=True)
        ]
        arrays.append(pa.array(blobs, pa.string()))
    else:
        arrays.append(pa.nulls(len(row_numbers), pa.string()))
    names.append("_extra")
    return pa.table(arrays, names=names), bad


def _blank(text: str) -> bool:
    """A line with nothing but separators, quotes and spaces (as exports pad sheets with)."""
    return not text.strip(" \t\r\n,\"'\u3000")


def read_csv(path: Path, spec: ExtractSpec) -> ParsedFile:
    sha, encoding = sniff(path)
    with path.open("rb") as f:
        head = f.read(1 << 16)
    text = head.decode(encoding, errors="ignore")
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or not any(any(c.strip() for c in r) for r in rows):
        raise IngestError(path.name, "文件是空的", "请确认导出成功后重新放入")
    h = _find_header(spec, rows, path.name)
    source_headers = [normalise_header(c) for c in rows[h]]
    canonical = _header_map(spec, rows[h])
    _check_required(spec, canonical, path.name, h + 1)
    check_last_row(path, encoding, len(source_headers))
    bad: list[BadRow] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        if _blank(row.text):
            bad.append(BadRow(row.number, None, "", BLANK))
        else:
            bad.append(
                BadRow(
                    row.number,
                    None,
                    row.text[:200],
                    f"字段数为{row.actual_columns}，应为{row.expected_columns}",
                )
            )
        return "skip"

    n = len(source_headers)
    names = [f"c{i}" for i in range(n)]
    table = pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(
            encoding="utf8" if encoding.startswith("utf-8") else encoding,
            skip_rows=h + 1,
            column_names=names,
            use_threads=True,
        ),
        parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid, ignore_empty_lines=False),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    first = h + 2  # physical line of the first data row (1-based)
    lines = np.arange(first, first + table.num_rows + len(bad), dtype=np.int64)
    if bad:
        if any(b.row is None for b in bad):  # numbers unknown when parsed in parallel: read again
            return _read_csv_serial(path, spec, sha, encoding, h, source_headers, canonical)
        lines = np.setdiff1d(lines, np.array([b.row for b in bad], dtype=np.int64), assume_unique=True)
    blank = sum(b.reason == BLANK for b in bad)
    bad = [b for b in bad if b.reason != BLANK]
    columns = [pc.utf8_trim_whitespace(c.combine_chunks()) for c in table.columns]
    # rows of empty cells (",,,," padding) are blank lines, not rows
    empty = np.ones(len(lines), dtype=bool)
    for c in columns:
        empty &= np.asarray(pc.equal(pc.utf8_length(c), 0))
    if empty.any():
        blank += int(empty.sum())
        keep = pa.array(~empty)
        columns = [pc.filter(c, keep) for c in columns]
        lines = lines[~empty]
    table, repeated = _assemble(columns, canonical, source_headers, lines)
    return ParsedFile(path, sha, encoding, h + 1, source_headers, canonical, table, sorted_rows(bad + repeated), blank)


def _read_csv_serial(path, spec, sha, encoding, h, source_headers, canonical) -> ParsedFile:
    """Slow path for files with malformed rows: the csv module knows every row's line number."""
    bad: list[BadRow] = []
    kept: list[list[str]] = []
    numbers: list[int] = []
    blank = 0
    n = len(source_headers)
    with path.open(encoding=encoding, newline="") as f:
        reader = csv.reader(f)
        for _ in range(h + 1):
            next(reader)
        for cells in reader:
            line = reader.line_num
            if _blank(",".join(cells)):
                blank += 1
                continue
            if len(cells) != n:
                bad.append(BadRow(line, None, ",".join(cells)[:200], f"字段数为{len(cells)}，应为{n}"))
                continue
            kept.append([c.strip() for c in cells])
            numbers.append(line)
    columns = [pa.array([r[i] for r in kept], pa.string()) for i in range(n)]
    table, repeated = _assemble(columns, canonical, source_headers, np.array(numbers, dtype=np.int64))
    return ParsedFile(path, sha, encoding, h + 1, source_headers, canonical, table, sorted_rows(bad + repeated), blank)


def sorted_rows(rows: list[BadRow]) -> list[BadRow]:
    return sorted(rows, key=lambda b: b.row or 0)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _unreadable_xlsx(path: Path, why: str) -> IngestError:
    return IngestError(
        path.name,
        f"不是可读的 xlsx 文件（{why}），可能还没有复制完、已损坏或被截断",
        "请等复制完成，或重新导出、重新复制该文件后重新运行（make pipeline）",
    )


def read_xlsx(path: Path, spec: ExtractSpec) -> ParsedFile:
    from openpyxl import load_workbook

    sha = file_hash(path)
    try:
        # the whole workbook must be there: every part's checksum, not only those openpyxl reads
        with zipfile.ZipFile(path) as z:
            broken = z.testzip()
        if broken:
            raise _unreadable_xlsx(path, f"其中的 {broken} 校验失败")
        wb = load_workbook(path, read_only=True, data_only=True)
        ws = wb.worksheets[0]
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        wb.close()
    except (zipfile.BadZipFile, zlib.error, EOFError, KeyError, OSError, ValueError, IndexError) as e:
        raise _unreadable_xlsx(path, type(e).__name__) from None
    if not any(any(c not in (None, "") for c in r) for r in rows):
        raise IngestError(path.name, "文件是空的", "请确认导出成功后重新放入")
    h = _find_header(spec, rows, path.name)
    source_headers = [normalise_header(c) for c in rows[h]]
    canonical = _header_map(spec, rows[h])
    _check_required(spec, canonical, path.name, h + 1)
    n = len(source_headers)
    kept, numbers = [], []
    for i, r in enumerate(rows[h + 1 :], start=h + 2):
        cells = [_cell_text(v) for v in (list(r) + [None] * n)[:n]]
        if any(cells):
            kept.append(cells)
            numbers.append(i)
    columns = [pa.array([r[i] for r in kept], pa.string()) for i in range(n)]
    table, repeated = _assemble(columns, canonical, source_headers, np.array(numbers, dtype=np.int64))
    blank = len(rows) - h - 1 - len(kept)
    return ParsedFile(path, sha, "xlsx", h + 1, source_headers, canonical, table, repeated, blank)


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def read_file(path: Path, spec: ExtractSpec) -> ParsedFile:
    if path.stat().st_size == 0:
        raise IngestError(path.name, "文件是空的（0 字节）", "请确认导出成功后重新放入")
    if path.suffix.lower() == ".xlsx":
        return read_xlsx(path, spec)
    return read_csv(path, spec)

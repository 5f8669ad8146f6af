"""Field sample sheets: one row per field sample with its collection metadata.

A sample sheet is the field team's record of each sample (who collected it,
where, when, what it is).  It is read from CSV, TSV (``,``/``;``/tab
sniffed, UTF-8/UTF-16/Windows-1251) or an Excel ``.xlsx`` sheet, its columns
found by name through :data:`SHEET_ALIASES`, validated as a whole (every
problem listed at once), and joined to a genotype table on ``sample_id`` with
:func:`attach_sample_sheet`.

Accepted values:

* ``sample_id``: required, non-empty, unique.
* ``sample_type``: one of :data:`genmon.model.SAMPLE_TYPES` (case ignored;
  ``faeces``/``feces``/``faecal``/``fecal``/``dung`` read as ``scat``).
* ``date``: ISO 8601 (``2024-03-15``, optionally with a time
  ``2024-03-15T09:30``) or the Russian-locale ``15.03.2024``; Excel date
  cells.  Stored as ISO text.  Slashed dates (``03/04/2024``) are refused as
  ambiguous (day/month order).
* ``latitude`` in [-90, 90], ``longitude`` in [-180, 180], ``x``/``y`` any
  number (decimal comma accepted in ``;``-delimited files).
* ``sex``: ``F``/``M`` (or ``female``/``male``); ``U``/``unknown``/``?``
  read as missing.

Other columns are kept as they are (as text) and travel with the table.
"""

from __future__ import annotations

import datetime as _dt
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import InputError, InputWarning, Problem, ProblemLog
from ..model import _FLOAT_FIELDS, SAMPLE_FIELDS, SAMPLE_TYPES, GenotypeTable
from ._text import parse_float, read_text, split_rows

__all__ = [
    "SHEET_ALIASES",
    "SampleSheetWarning",
    "SampleSheetConflictWarning",
    "read_sample_sheet",
    "attach_sample_sheet",
]

#: Normalised column name (lower case, no spaces, ``_``, ``.``, ``-``) -> sample field.
SHEET_ALIASES: dict[str, str] = {
    **dict.fromkeys(
        [
            "sampleid",
            "sample",
            "samplename",
            "samplecode",
            "fieldid",
            "fieldsampleid",
            "id",
            "code",
        ],
        "sample_id",
    ),
    **dict.fromkeys(["sampletype", "type", "material", "samplematerial"], "sample_type"),
    **dict.fromkeys(["date", "collectiondate", "datecollected", "collected", "sampledate"], "date"),
    **dict.fromkeys(["latitude", "lat", "decimallatitude"], "latitude"),
    **dict.fromkeys(["longitude", "lon", "long", "lng", "decimallongitude"], "longitude"),
    **dict.fromkeys(["x", "easting", "utme", "utmx"], "x"),
    **dict.fromkeys(["y", "northing", "utmn", "utmy"], "y"),
    **dict.fromkeys(["collector", "collectedby", "recordedby"], "collector"),
    **dict.fromkeys(["site", "reserve", "location", "locality", "area", "protectedarea"], "site"),
    **dict.fromkeys(["country", "countrycode"], "country"),
    **dict.fromkeys(["population", "pop", "stratum"], "population"),
    **dict.fromkeys(["occasion", "session", "samplingoccasion"], "occasion"),
    **dict.fromkeys(["sex"], "sex"),
    **dict.fromkeys(["individual", "individualid", "animal", "animalid"], "individual_id"),
}

_TYPE_SYNONYMS = dict.fromkeys(["faeces", "feces", "faecal", "fecal", "dung"], "scat")
_SEX = {
    "f": "F",
    "female": "F",
    "m": "M",
    "male": "M",
    "u": None,
    "unknown": None,
    "?": None,
    "": None,
}
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$")
_RU = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


class SampleSheetWarning(InputWarning):
    """Samples in a genotype table that the sample sheet does not list."""


class SampleSheetConflictWarning(InputWarning):
    """Sample-sheet values that replace different values already in the table."""


def _norm(name: str) -> str:
    return re.sub(r"[\s_.\-]+", "", str(name).strip().lower())


def _parse_date(value: Any) -> str | None:
    """ISO text for a date cell, ``None`` when it cannot be read."""
    if isinstance(value, _dt.datetime):
        if value.time() == _dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(timespec="minutes" if value.second == 0 else "seconds")
    if isinstance(value, _dt.date):
        return value.isoformat()
    text = str(value).strip()
    try:
        if (m := _ISO.match(text)) is not None:
            y, mo, d, hh, mm, ss = m.groups()
            date = _dt.date(int(y), int(mo), int(d))
            if hh is None or int(hh) == int(mm) == int(ss or 0) == 0:
                return date.isoformat()  # midnight: a date cell exported with its time
            t = _dt.datetime(date.year, date.month, date.day, int(hh), int(mm), int(ss or 0))
            return t.isoformat(timespec="minutes" if ss is None else "seconds")
        if (m := _RU.match(text)) is not None:
            return _dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1))).isoformat()
    except ValueError:
        return None
    return None


def _cell_text(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_cells(path: Path, sheet: str | int | None) -> tuple[list[tuple[int, list[Any]]], bool]:
    """Rows as (1-based line or Excel row, cells); second item: decimal comma allowed."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            import openpyxl
        except ImportError:  # pragma: no cover - openpyxl is a dependency
            raise InputError(
                Problem("an .xlsx file", "openpyxl installed to read it", path.name)
            ) from None
        try:
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except FileNotFoundError:
            raise InputError(Problem("no such file", "an existing file", str(path))) from None
        except Exception as exc:  # zipfile.BadZipFile, KeyError, lxml errors, ...
            raise InputError(
                Problem(
                    f"a file Excel cannot open ({type(exc).__name__})",
                    "an .xlsx workbook",
                    path.name,
                )
            ) from None
        try:
            if sheet is None:
                ws = wb.worksheets[0]
            elif isinstance(sheet, int):
                ws = wb.worksheets[sheet]
            else:
                ws = wb[sheet]
        except (IndexError, KeyError):
            names = ", ".join(wb.sheetnames)
            wb.close()
            raise InputError(
                Problem(f'no sheet "{sheet}"', f"one of: {names}", path.name)
            ) from None
        rows = []
        for k, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = list(values)
            while cells and _cell_text(cells[-1]) == "":
                cells.pop()
            if cells:
                rows.append((k, cells))
        wb.close()
        return rows, False
    if sheet is not None:
        raise InputError(
            Problem(f'sheet "{sheet}" for a text file', "a sheet only for .xlsx files", path.name)
        )
    parsed, delimiter = split_rows(read_text(path), "", comment="#")
    return [(r.line, list(r.fields)) for r in parsed], delimiter == ";"


def read_sample_sheet(path: str | Path, sheet: str | int | None = None) -> pd.DataFrame:
    """Read and validate a field sample sheet.

    Parameters
    ----------
    path
        CSV/TSV text or an ``.xlsx`` workbook; the first non-blank row is the
        header.
    sheet
        Worksheet name or 0-based index for ``.xlsx`` (first sheet by default).

    Returns
    -------
    pandas.DataFrame
        One row per sample, columns named as in
        :data:`genmon.model.SAMPLE_FIELDS` (those present in the sheet) plus
        any other columns as text; coordinates float64, the rest pandas
        ``string``.

    Raises
    ------
    InputError
        Listing every problem: no sample id column, empty or duplicate ids,
        unreadable dates, coordinates out of range, unknown sample types or
        sexes, each with its line.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "sheet.csv")
    ...     _ = open(p, "w").write("Sample ID;Type;Date;Lat;Lon\\nRU-1;Scat;15.03.2024;43,1;131,9\\n")
    ...     s = read_sample_sheet(p)
    >>> s.loc[0, ["sample_id", "sample_type", "date"]].tolist(), s.loc[0, "latitude"]
    (['RU-1', 'scat', '2024-03-15'], np.float64(43.1))
    """
    path = Path(path)
    source = path.name
    if not path.exists():
        raise InputError(Problem("no such file", "an existing file", str(path)))
    rows, decimal_comma = _read_cells(path, sheet)
    if not rows:
        raise InputError(
            Problem("an empty sample sheet", "a header row and one row per sample", source)
        )
    log = ProblemLog(source)
    head_line, header = rows[0]
    fields: dict[str, int] = {}
    extras: dict[str, int] = {}
    for k, raw in enumerate(header):
        name = _cell_text(raw)
        if not name:
            continue
        field = SHEET_ALIASES.get(_norm(name))
        if field is None:
            if name in extras:
                log.error(f'column "{name}" twice', "each column once", line=head_line)
            extras[name] = k
        elif field in fields:
            log.error(
                f'columns "{_cell_text(header[fields[field]])}" and "{name}" both for {field}',
                "one column per field",
                line=head_line,
            )
        else:
            fields[field] = k
    if "sample_id" not in fields:
        log.error(
            "a header without a sample id column",
            'a column named "sample_id" (or Sample, Sample ID, Sample Name)',
            line=head_line,
        )
    log.raise_if_any()

    out: dict[str, list[Any]] = {f: [] for f in fields}
    out.update({e: [] for e in extras})
    seen: dict[str, int] = {}
    width = max(len(header), max(len(c) for _, c in rows))
    for line, cells in rows[1:]:
        cells = cells + [None] * (width - len(cells))
        get = cells.__getitem__
        sid = _cell_text(get(fields["sample_id"]))
        if not sid:
            log.error("an empty sample id", "an id on every row", line=line)
        elif sid in seen:
            log.error(
                f'sample id "{sid}" again',
                f"each id once (first on line {seen[sid]})",
                line=line,
                sample=sid,
            )
        else:
            seen[sid] = line
        ctx = {"line": line, "sample": sid or None}
        for field, k in fields.items():
            raw = get(k)
            text = _cell_text(raw)
            value: Any = text or pd.NA
            if field in _FLOAT_FIELDS:
                value = np.nan
                if text:
                    num = (
                        raw
                        if isinstance(raw, int | float) and not isinstance(raw, bool)
                        else parse_float(text, decimal_comma)
                    )
                    if num is None:
                        log.error(f'{field} "{text}"', "a number", **ctx)
                    elif field == "latitude" and not -90 <= num <= 90:
                        log.error(f"latitude {text}", "decimal degrees between -90 and 90", **ctx)
                    elif field == "longitude" and not -180 <= num <= 180:
                        log.error(
                            f"longitude {text}", "decimal degrees between -180 and 180", **ctx
                        )
                    else:
                        value = float(num)
            elif field == "date" and text:
                value = _parse_date(raw)
                if value is None:
                    log.error(
                        f'date "{text}"', "an ISO 8601 date (YYYY-MM-DD) or DD.MM.YYYY", **ctx
                    )
                    value = pd.NA
            elif field == "sample_type" and text:
                t = text.lower()
                value = _TYPE_SYNONYMS.get(t, t)
                if value not in SAMPLE_TYPES:
                    log.error(f'sample type "{text}"', "one of: " + ", ".join(SAMPLE_TYPES), **ctx)
            elif field == "sex" and text:
                if text.lower() not in _SEX:
                    log.error(f'sex "{text}"', "F, M, or U/unknown/empty for unknown", **ctx)
                    value = pd.NA
                else:
                    value = _SEX[text.lower()] or pd.NA
            out[field].append(value)
        for name, k in extras.items():
            out[name].append(_cell_text(get(k)) or pd.NA)
    log.raise_if_any()
    if not seen:
        raise InputError(Problem("a header but no samples", "one row per sample", source))
    frame = pd.DataFrame(
        {
            name: pd.array(values, dtype="float64" if name in _FLOAT_FIELDS else "string")
            for name, values in out.items()
        }
    )
    frame.attrs["source_file"] = source
    return frame


def attach_sample_sheet(table: GenotypeTable, sheet: pd.DataFrame | str | Path) -> GenotypeTable:
    """Fill a table's sample metadata from a sample sheet, joined on ``sample_id``.

    Every row of ``table`` (replicate rows included) gets the sheet's values
    for its ``sample_id``; a sheet column replaces the table's column where
    the sheet has a value and leaves it where the sheet is empty.  Samples
    of the table that the sheet lacks keep their metadata and are listed in
    one :class:`SampleSheetWarning`; values that the sheet changes are listed
    in a :class:`SampleSheetConflictWarning`.  Sheet rows for samples not in
    the table are ignored (a sheet usually covers a whole season).

    Parameters
    ----------
    table
        The genotype table.
    sheet
        A frame from :func:`read_sample_sheet`, or a path to read.

    Returns
    -------
    GenotypeTable
        A copy with the merged ``samples``.

    Examples
    --------
    >>> t = GenotypeTable.from_alleles([[[165, 169]], [[165, 165]]], ["FCA441"], sample_ids=["A", "B"])
    >>> s = pd.DataFrame({"sample_id": ["A", "B"], "site": ["LLNP", "Kedrovaya Pad"]})
    >>> attach_sample_sheet(t, s).samples["site"].tolist()
    ['LLNP', 'Kedrovaya Pad']
    """
    if not isinstance(sheet, pd.DataFrame):
        sheet = read_sample_sheet(sheet)
    source = sheet.attrs.get("source_file")
    if "sample_id" not in sheet.columns:
        raise InputError(Problem("a sample sheet without sample_id", "a sample_id column", source))
    ids = sheet["sample_id"].astype("string")
    if ids.isna().any() or ids.duplicated().any():
        raise InputError(
            Problem("empty or duplicate sample ids in the sample sheet", "unique ids", source)
        )
    index = {sid: k for k, sid in enumerate(ids)}
    samples = table.samples.copy()
    row_ids = samples["sample_id"].astype("string").tolist()
    where = np.array([index.get(sid, -1) for sid in row_ids], dtype=np.int64)
    found = where >= 0
    conflicts: list[str] = []
    for column in sheet.columns:
        if column in ("sample_id", "replicate_id"):  # a sheet describes field samples, not PCRs
            continue
        values = sheet[column].reset_index(drop=True)
        new = values.iloc[np.where(found, where, 0)].reset_index(drop=True) if len(values) else None
        if new is None:
            continue
        has_new = found & new.notna().to_numpy()
        if column in samples.columns:
            old = samples[column].reset_index(drop=True)
            differs = has_new & old.notna().to_numpy()
            for i in np.nonzero(differs)[0]:
                if str(old.iloc[i]) != str(new.iloc[i]) and not (
                    column in _FLOAT_FIELDS and np.isclose(float(old.iloc[i]), float(new.iloc[i]))
                ):
                    conflicts.append(f"{row_ids[i]} {column} {old.iloc[i]} -> {new.iloc[i]}")
            merged = old.astype(object).where(~has_new, new.astype(object))
        else:
            merged = new.astype(object).where(has_new, None)
        if column in _FLOAT_FIELDS:
            samples[column] = (
                pd.to_numeric(pd.Series(merged), errors="coerce").astype("float64").to_numpy()
            )
        elif column in SAMPLE_FIELDS or values.dtype == "string":
            samples[column] = pd.array(
                [None if pd.isna(v) else str(v) for v in merged], dtype="string"
            )
        else:
            samples[column] = merged.to_numpy()
    absent = list(dict.fromkeys(sid for sid, ok in zip(row_ids, found, strict=True) if not ok))
    if absent:
        shown = ", ".join(absent[:20]) + (
            f" and {len(absent) - 20} more" if len(absent) > 20 else ""
        )
        warnings.warn(
            SampleSheetWarning(
                Problem(
                    f"{len(absent)} samples not in the sample sheet: {shown}",
                    "a sheet row for every sample; their metadata is left as it was",
                    source,
                )
            ),
            stacklevel=2,
        )
    if conflicts:
        shown = "; ".join(conflicts[:10]) + (
            f" and {len(conflicts) - 10} more" if len(conflicts) > 10 else ""
        )
        warnings.warn(
            SampleSheetConflictWarning(
                Problem(
                    f"{len(conflicts)} values the sheet changes: {shown}",
                    "the sheet's values (used)",
                    source,
                )
            ),
            stacklevel=2,
        )
    return table.with_samples(samples)

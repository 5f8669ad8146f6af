"""Catalogue exchange packages: one lab's individual catalogue, checksummed, for another lab.

A package is a zip file written by :func:`export_catalogue`
(``genmon db export-catalogue``) and read back, verified, by
:func:`read_package`:

``manifest.json``
    format name and version, genmon version, the exporting lab and country,
    the panel (loci, kinds, ploidy), the allele calibration tag and whether a
    calibration table is included, the catalogue's settings, whether and how
    coordinates are included, the export's provenance, and the SHA-256, byte
    size and row count of every other file.
``individuals.tsv``
    ``individual, status, merged_into, n_samples, first_seen, last_seen, sex,
    species, cross_ids`` (``scheme=value`` pairs separated by ``;``).
``genotypes.tsv``
    ``individual, locus, allele_1, allele_2``; a missing allele is empty.
``detections.tsv``
    ``sample, individual, date, batch, status``; with ``include_locations``
    also ``latitude, longitude, coordinate_uncertainty_m``, snapped to grid
    cells (:func:`genmon.geo.coarsen`) unless exact coordinates are asked for.
``events.tsv``
    the catalogue's history (``time, batch, event, individual, other, sample,
    details``).
``calibration.tsv``
    optional: the exporting lab's translation table
    (:mod:`genmon.labqc.calibration`), from the ``calibrations`` table or a file.

Every file is UTF-8 with ``\\n`` line ends, rows sorted, numbers in a fixed
format, and the zip entries carry a fixed date, so exporting the same
catalogue twice gives the same files (and, with ``SOURCE_DATE_EPOCH`` set,
the same zip bytes).  The checksums detect damage and edits after export; they
do not prove who made a package, so labs that need that compare the
package's SHA-256 (printed on export) over a second channel.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.engine import Connection

from .._version import __version__
from ..exceptions import GenmonError, InputError, Problem
from ..geo import DEFAULT_DEGREE_CELL, coarsen
from ..labqc.calibration import Translation, read_translation
from .catalogue_store import DEFAULT_CATALOGUE
from .schema import (
    calibrations,
    catalogue_events,
    catalogues,
    detections,
    individual_genotypes,
    individual_xrefs,
    individuals,
    labs,
    samples,
)

__all__ = [
    "PACKAGE_FORMAT",
    "PACKAGE_VERSION",
    "Package",
    "export_catalogue",
    "read_package",
    "store_calibration",
    "lab_calibration",
    "xref_scheme",
]

PACKAGE_FORMAT = "genmon-catalogue-exchange"
PACKAGE_VERSION = 1
MANIFEST = "manifest.json"
IND_COLUMNS = ("individual", "status", "merged_into", "n_samples", "first_seen", "last_seen", "sex", "species",
               "cross_ids")
GENO_COLUMNS = ("individual", "locus", "allele_1", "allele_2")
DET_COLUMNS = ("sample", "individual", "date", "batch", "status")
LOC_COLUMNS = ("latitude", "longitude", "coordinate_uncertainty_m")
EVENT_COLUMNS = ("time", "batch", "event", "individual", "other", "sample", "details")
CALIBRATION_FILE = "calibration.tsv"
# 1980-01-01, the earliest date a zip entry can hold: entries carry no export time.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_METRES_PER_DEGREE = 111_320.0


@dataclass
class Package:
    """A verified exchange package: its manifest and its tables as rows of text fields."""

    path: str
    sha256: str
    manifest: dict[str, Any]
    tables: dict[str, list[dict[str, str]]]
    calibration: Translation | None = None
    members: dict[str, bytes] = field(default_factory=dict, repr=False)

    @property
    def lab(self) -> dict[str, Any]:
        return self.manifest["lab"]

    @property
    def panel(self) -> dict[str, Any]:
        return self.manifest["panel"]

    @property
    def scheme(self) -> str:
        """The cross-reference scheme under which the importing lab records this lab's ids."""
        return xref_scheme(self.lab.get("code"), self.lab.get("country"))


def xref_scheme(lab: str, country: str | None) -> str:
    """``COUNTRY/LAB`` (or the lab alone): the scheme of a lab's ids in ``individual_xrefs``.

    Examples
    --------
    >>> xref_scheme("NEFU", "CN")
    'CN/NEFU'
    """
    return f"{country}/{lab}" if country else str(lab)


# --------------------------------------------------------------------------- calibrations
def store_calibration(conn: Connection, lab: str, translation: Translation, content: str) -> int:
    """Keep ``lab``'s translation table (its text ``content``) in ``calibrations``; returns the row id.

    The same content stored twice is one row; new content is the next version
    (as ``genmon db import --calibration`` stores them).
    """
    from .importer import _store_calibration
    from .records import get_or_create

    lab_id = get_or_create(conn, labs, "code", lab)
    return _store_calibration(conn, lab_id, (translation, content, hashlib.sha256(content.encode()).hexdigest()))


def lab_calibration(conn: Connection, lab: str) -> tuple[Translation, str] | None:
    """The latest stored calibration of ``lab`` and its text, or ``None``.

    A lab's calibration translates its sizes into another lab's (``lab_b`` =
    ``lab``): the scale this database stores, when ``genmon db import
    --calibration`` stored it with a batch of that lab.
    """
    row = conn.execute(
        select(calibrations.c.content, calibrations.c.name, calibrations.c.version)
        .join(labs, labs.c.id == calibrations.c.lab_id)
        .where(labs.c.code == lab)
        .order_by(calibrations.c.id.desc())
    ).first()
    if row is None:
        return None
    return _translation_from_text(row.content, f"calibration {row.name} version {row.version} of lab {lab}"), row.content


def _translation_from_text(text: str, where: str) -> Translation:
    # read_translation reads files; errors are re-labelled with where the text came from
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / CALIBRATION_FILE
        path.write_text(text, encoding="utf-8")
        try:
            tr = read_translation(path)
        except InputError as exc:
            raise InputError([Problem(p.found, p.expected, where, p.line, p.sample, p.locus)
                              for p in exc.problems]) from None
    tr.source = where
    return tr


# --------------------------------------------------------------------------- writing
def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _id_field(value: Any, what: str) -> str:
    text = _cell(value)
    if any(c in text for c in "\t\n\r"):
        raise GenmonError(f"{what} {text!r} contains a tab or line break and cannot be exported")
    return text


def _free_text(value: Any) -> str:
    # free text (event details) keeps its words; tabs and line breaks would break the table
    return " ".join(_cell(value).replace("\t", " ").splitlines())


def _number(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return ""
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _tsv(columns: tuple[str, ...], rows: list[tuple[str, ...]]) -> bytes:
    lines = ["\t".join(columns)] + ["\t".join(r) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _catalogue_row(conn: Connection, name: str):
    meta = conn.execute(select(catalogues).where(catalogues.c.name == name)).mappings().first()
    if meta is None:
        have = sorted(conn.execute(select(catalogues.c.name)).scalars())
        known = f" (it holds {', '.join(have)})" if have else "; build one with `genmon identify --db`"
        raise GenmonError(f'the database holds no catalogue "{name}"{known}')
    return meta


def _exporting_lab(conn: Connection, lab: str | None, country: str | None) -> dict[str, Any]:
    rows = conn.execute(select(labs)).mappings().all()
    if lab is None:
        if len(rows) != 1:
            raise GenmonError("name the exporting lab with --lab CODE: the partner lab records your individual "
                              "ids under it" + (f" (the database knows {', '.join(sorted(r['code'] for r in rows))})"
                                                if rows else ""))
        lab = rows[0]["code"]
    row = next((r for r in rows if r["code"] == lab), None)
    out = {"code": lab, "name": None, "country": country, "instrument": None}
    if row is not None:
        out.update(name=row["name"], instrument=row["instrument"], country=country or row["country"])
    if any(c in lab for c in "/\t\n;="):
        raise GenmonError(f'lab code "{lab}" may not contain /, ;, = or blanks other than spaces')
    return out


def _coordinate_rows(conn: Connection, sample_ids: list[str]) -> dict[str, tuple[Any, Any, Any]]:
    from .records import select_in_chunks

    rows = select_in_chunks(
        conn,
        lambda chunk: select(samples.c.sample_id, samples.c.latitude, samples.c.longitude,
                             samples.c.coordinate_uncertainty_m).where(samples.c.sample_id.in_(chunk)),
        sorted(set(sample_ids)),
    )
    return {r[0]: tuple(r[1:]) for r in rows}


def _located(lat: Any, lon: Any, unc: Any, cell: float | None) -> tuple[str, str, str]:
    if lat is None or lon is None:
        return "", "", _number(unc)
    if cell is None:  # exact, asked for explicitly
        return _number(float(lat)), _number(float(lon)), _number(unc)
    clat, clon = coarsen([float(lat), float(lon)], cell)
    # The snapped point stands for the whole cell: its uncertainty is at least
    # the cell's half diagonal (GBIF's generalisation guidance), taken at the
    # cell's edge nearest the equator (where it is widest) so that the value
    # says nothing about where in the cell the sample lies.
    half = cell / 2 * _METRES_PER_DEGREE
    widest = max(abs(float(clat)) - cell / 2, 0.0)
    spread = math.ceil(math.hypot(half, half * math.cos(math.radians(widest))))
    return _number(float(clat)), _number(float(clon)), _number(float(max(spread, unc or 0)))


def _catalogue_tables(conn: Connection, meta, include_locations: bool, cell: float | None) -> dict[str, bytes]:
    loci = json.loads(meta["loci"])
    order = {locus: k for k, locus in enumerate(loci)}
    ind_rows = conn.execute(select(individuals).where(individuals.c.catalogue_id == meta["id"])).mappings().all()
    ids = {r["id"]: r["individual_id"] for r in ind_rows}
    xrefs: dict[int, list[str]] = {}
    for pk, scheme, value in conn.execute(
        select(individual_xrefs.c.individual_pk, individual_xrefs.c.scheme, individual_xrefs.c.value)
        .join(individuals, individuals.c.id == individual_xrefs.c.individual_pk)
        .where(individuals.c.catalogue_id == meta["id"])
    ):
        if any(c in f"{scheme}{value}" for c in ";=\t\n"):
            raise GenmonError(f'cross-reference {scheme}={value} of {ids[pk]} contains ; or = and cannot be exported')
        xrefs.setdefault(pk, []).append(f"{scheme}={value}")
    ind_out = sorted(
        (_id_field(r["individual_id"], "individual id"), _cell(r["status"]), _id_field(r["merged_into"], "id"),
         str(int(r["n_samples"])), _id_field(r["first_seen"], "date"), _id_field(r["last_seen"], "date"),
         _id_field(r["sex"], "sex"), _id_field(r["species"], "species"), ";".join(sorted(xrefs.get(r["id"], []))))
        for r in ind_rows
    )
    geno = conn.execute(
        select(individual_genotypes.c.individual_pk, individual_genotypes.c.locus,
               individual_genotypes.c.allele_1, individual_genotypes.c.allele_2)
        .join(individuals, individuals.c.id == individual_genotypes.c.individual_pk)
        .where(individuals.c.catalogue_id == meta["id"])
    ).all()
    geno_out = [
        (ids[pk], locus, _cell(a1), _cell(a2))
        for pk, locus, a1, a2 in sorted(geno, key=lambda g: (ids[g[0]], order.get(g[1], len(order)), g[1]))
    ]
    det = conn.execute(select(detections).where(detections.c.catalogue_id == meta["id"])).mappings().all()
    det_cols = DET_COLUMNS + (LOC_COLUMNS if include_locations else ())
    coords = _coordinate_rows(conn, [r["sample_id"] for r in det]) if include_locations else {}
    det_out = []
    for r in det:
        row = (_id_field(r["sample_id"], "sample id"), _cell(r["individual_id"]), _id_field(r["date"], "date"),
               _free_text(r["batch"]), _cell(r["status"]))
        if include_locations:
            row += _located(*coords.get(r["sample_id"], (None, None, None)), cell)
        det_out.append(row)
    det_out.sort()
    ev = conn.execute(
        select(catalogue_events).where(catalogue_events.c.catalogue_id == meta["id"]).order_by(catalogue_events.c.id)
    ).mappings().all()
    ev_out = [tuple(_free_text(r[c]) for c in EVENT_COLUMNS) for r in ev]
    return {
        "individuals.tsv": _tsv(IND_COLUMNS, ind_out),
        "genotypes.tsv": _tsv(GENO_COLUMNS, geno_out),
        "detections.tsv": _tsv(det_cols, det_out),
        "events.tsv": _tsv(EVENT_COLUMNS, ev_out),
    }


def _n_rows(data: bytes) -> int:
    return data.count(b"\n") - 1


def export_catalogue(
    conn: Connection,
    path: str | Path,
    *,
    catalogue: str = DEFAULT_CATALOGUE,
    lab: str | None = None,
    country: str | None = None,
    calibration: str | Path | None = None,
    include_locations: bool = False,
    exact_coordinates: bool = False,
    grid_cell: float = DEFAULT_DEGREE_CELL,
    provenance: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write catalogue ``catalogue`` as an exchange package at ``path``; returns the manifest.

    Parameters
    ----------
    conn
        An open connection (reads only).
    path
        The zip file; written to a temporary file in the same folder and
        renamed, so a reader never sees half a package.
    lab, country
        The exporting lab's code (default: the database's only lab) and its
        country (default: the ``labs`` row's).
    calibration
        A translation table file of this lab; default: the lab's latest
        stored calibration, if any.
    include_locations, exact_coordinates, grid_cell
        Detections carry coordinates only with ``include_locations``;
        snapped to ``grid_cell`` degrees unless ``exact_coordinates``.
    provenance
        The export's provenance record (:func:`genmon.provenance.make_provenance`).
    """
    if exact_coordinates and not include_locations:
        raise GenmonError("--exact-coordinates needs --include-locations")
    if not grid_cell > 0:
        raise GenmonError(f"the grid cell must be positive, got {grid_cell}")
    meta = _catalogue_row(conn, catalogue)
    lab_info = _exporting_lab(conn, lab, country)
    files = _catalogue_tables(conn, meta, include_locations, None if exact_coordinates else grid_cell)
    cal_info: dict[str, Any] = {"tag": meta["calibration"], "table": None}
    if calibration is not None:
        text = Path(calibration).read_text(encoding="utf-8")
        tr = _translation_from_text(text, str(calibration))
    else:
        stored = lab_calibration(conn, lab_info["code"])
        tr, text = stored if stored is not None else (None, None)
    if tr is not None:
        files[CALIBRATION_FILE] = text.encode("utf-8")
        cal_info.update(table=CALIBRATION_FILE, lab_a=tr.lab_a, lab_b=tr.lab_b, offsets=tr.offsets())
    manifest = {
        "format": PACKAGE_FORMAT,
        "format_version": PACKAGE_VERSION,
        "genmon_version": __version__,
        "lab": lab_info,
        "panel": {"loci": json.loads(meta["loci"]), "kinds": json.loads(meta["kinds"]), "ploidy": int(meta["ploidy"])},
        "calibration": cal_info,
        "catalogue": {"name": catalogue, "species": meta["species"], "id_pattern": meta["id_pattern"],
                      "next_number": int(meta["next_number"]), "created": meta["created_at"]},
        "locations": {"included": include_locations,
                      "generalised_to_degrees": None if (exact_coordinates or not include_locations) else grid_cell},
        "provenance": provenance or {},
        "files": {name: {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data),
                         "rows": None if name == CALIBRATION_FILE else _n_rows(data)}
                  for name, data in sorted(files.items())},
    }
    files[MANIFEST] = (json.dumps(manifest, indent=2, sort_keys=True, default=str) + "\n").encode("utf-8")
    _write_zip(Path(path), files)
    manifest["package_sha256"] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return manifest


def _write_zip(path: Path, files: dict[str, bytes]) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in [MANIFEST] + sorted(n for n in files if n != MANIFEST):
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, files[name], compresslevel=9)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(buf.getvalue())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------- reading
def _damaged(where: str) -> InputError:
    return InputError(Problem("a damaged file (its zip checksum or compression does not match)",
                              "the bytes the exporting lab wrote; ask for the package again", where))


def _members(path: Path) -> dict[str, bytes]:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise InputError(Problem("a file that is not a readable zip archive",
                                 "a package written by genmon db export-catalogue", str(path))) from None
    out = {}
    with zf:
        for info in zf.infolist():
            try:
                out[info.filename] = zf.read(info)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
                raise _damaged(f"{path}:{info.filename}") from None
    return out


def _parse_tsv(data: bytes, columns: tuple[str, ...], where: str) -> list[dict[str, str]]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(Problem(f"bytes that are not UTF-8 (at byte {exc.start})", "UTF-8 text", where)) from None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines or tuple(lines[0].split("\t")) != columns:
        found = lines[0] if lines else "an empty file"
        raise InputError(Problem(f'header "{found}"', "the columns " + ", ".join(columns), where, line=1))
    rows, problems = [], []
    for k, line in enumerate(lines[1:], start=2):
        fields = line.split("\t")
        if len(fields) != len(columns):
            problems.append(Problem(f"{len(fields)} fields", f"{len(columns)}", where, line=k))
            continue
        rows.append(dict(zip(columns, fields, strict=True)))
    if problems:
        raise InputError(problems)
    return rows


def _check_manifest(manifest: Any, where: str) -> None:
    if not isinstance(manifest, dict) or manifest.get("format") != PACKAGE_FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else type(manifest).__name__
        raise InputError(Problem(f"format {found!r}", f"{PACKAGE_FORMAT!r}", where))
    version = manifest.get("format_version")
    if version != PACKAGE_VERSION:
        raise InputError(Problem(f"format version {version!r}",
                                 f"version {PACKAGE_VERSION} (this genmon, {__version__}, reads no other)", where))
    lacking = [k for k in ("lab", "panel", "calibration", "catalogue", "files") if not isinstance(manifest.get(k), dict)]
    if lacking:
        raise InputError(Problem(f"no {', '.join(lacking)}", "a complete manifest", where))
    panel = manifest["panel"]
    if not (isinstance(panel.get("loci"), list) and isinstance(panel.get("kinds"), list)
            and len(panel["loci"]) == len(panel["kinds"]) and panel.get("ploidy") == 2):
        raise InputError(Problem(f"panel {json.dumps(panel)}", "loci and kinds of a diploid panel", where))


def read_package(path: str | Path) -> Package:
    """Read and verify an exchange package; any mismatch is an :class:`InputError` naming the file inside.

    Checks: the zip's own checksums, the manifest's format and version, that
    the package holds exactly the files the manifest lists, and each file's
    SHA-256, byte size, header and row count.
    """
    path = Path(path)
    members = _members(path)
    where = f"{path}:{MANIFEST}"
    if MANIFEST not in members:
        raise InputError(Problem(f"no {MANIFEST}", "a package written by genmon db export-catalogue", str(path)))
    try:
        manifest = json.loads(members[MANIFEST].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(Problem(f"invalid JSON ({exc})", "the package's manifest", where)) from None
    _check_manifest(manifest, where)
    listed = manifest["files"]
    problems = []
    for name in sorted(set(members) - set(listed) - {MANIFEST}):
        problems.append(Problem("a file the manifest does not list", "only the files the exporting lab wrote",
                                f"{path}:{name}"))
    for name, info in sorted(listed.items()):
        data = members.get(name)
        if data is None:
            problems.append(Problem("no such file in the package", "the file the manifest lists", f"{path}:{name}"))
            continue
        digest = hashlib.sha256(data).hexdigest()
        if digest != info.get("sha256") or len(data) != info.get("bytes"):
            problems.append(Problem(f"SHA-256 {digest}", f"{info.get('sha256')} as listed in {MANIFEST} "
                                    "(the file was changed after export)", f"{path}:{name}"))
    if problems:
        raise InputError(problems)
    need = {"individuals.tsv": IND_COLUMNS, "genotypes.tsv": GENO_COLUMNS, "events.tsv": EVENT_COLUMNS}
    located = manifest.get("locations", {}).get("included")
    need["detections.tsv"] = DET_COLUMNS + (LOC_COLUMNS if located else ())
    tables = {}
    for name, columns in need.items():
        if name not in listed:
            raise InputError(Problem(f"no {name} listed", "every table of a catalogue package", where))
        tables[name] = _parse_tsv(members[name], columns, f"{path}:{name}")
        if len(tables[name]) != listed[name].get("rows"):
            raise InputError(Problem(f"{len(tables[name])} rows", f"{listed[name].get('rows')} as listed in {MANIFEST}",
                                     f"{path}:{name}"))
    cal = None
    if manifest["calibration"].get("table"):
        name = manifest["calibration"]["table"]
        if name not in members:
            raise InputError(Problem(f"no {name}", "the calibration table the manifest names", str(path)))
        cal = _translation_from_text(members[name].decode("utf-8"), f"{path}:{name}")
    pkg = Package(str(path), hashlib.sha256(path.read_bytes()).hexdigest(), manifest, tables, cal, members)
    _check_tables(pkg)
    return pkg


def _check_tables(pkg: Package) -> None:
    """Cross-table consistency: unique ids, genotypes of known individuals at panel loci, whole-number alleles."""
    loci = set(pkg.panel["loci"])
    where_i, where_g = f"{pkg.path}:individuals.tsv", f"{pkg.path}:genotypes.tsv"
    problems = []
    seen: set[str] = set()
    for k, r in enumerate(pkg.tables["individuals.tsv"], start=2):
        ident = r["individual"]
        if not ident or ident in seen:
            problems.append(Problem(f'individual id "{ident}"', "a unique, non-empty id", where_i, line=k))
        seen.add(ident)
        if r["status"] not in ("active", "merged"):
            problems.append(Problem(f'status "{r["status"]}"', "active or merged", where_i, line=k, sample=ident))
        if not r["n_samples"].isdigit():
            problems.append(Problem(f'n_samples "{r["n_samples"]}"', "a whole number >= 0", where_i, line=k,
                                    sample=ident))
    pairs: set[tuple[str, str]] = set()
    for k, r in enumerate(pkg.tables["genotypes.tsv"], start=2):
        ident, locus = r["individual"], r["locus"]
        if ident not in seen:
            problems.append(Problem(f'individual "{ident}"', "an individual of individuals.tsv", where_g, line=k))
        if locus not in loci:
            problems.append(Problem(f'locus "{locus}"', "a locus of the manifest's panel", where_g, line=k,
                                    sample=ident))
        if (ident, locus) in pairs:
            problems.append(Problem("a second genotype", "one row per individual and locus", where_g, line=k,
                                    sample=ident, locus=locus))
        pairs.add((ident, locus))
        for col in ("allele_1", "allele_2"):
            if r[col] and not r[col].isdigit():
                problems.append(Problem(f'{col} "{r[col]}"', "a whole number or empty", where_g, line=k,
                                        sample=ident, locus=locus))
    if problems:
        raise InputError(problems[:200])


def package_genotypes(pkg: Package) -> tuple[list[str], np.ndarray]:
    """Individual ids (sorted as in the package) and their alleles ``(n, loci, 2)``, ``-1`` missing."""
    ids = [r["individual"] for r in pkg.tables["individuals.tsv"]]
    row = {ident: k for k, ident in enumerate(ids)}
    col = {locus: j for j, locus in enumerate(pkg.panel["loci"])}
    values = np.full((len(ids), len(col), 2), -1, dtype=np.int64)
    for r in pkg.tables["genotypes.tsv"]:
        i, j = row[r["individual"]], col[r["locus"]]
        values[i, j] = [int(r["allele_1"]) if r["allele_1"] else -1, int(r["allele_2"]) if r["allele_2"] else -1]
    return ids, values

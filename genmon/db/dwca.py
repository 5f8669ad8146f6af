"""Darwin Core Archive export of the samples assigned to individuals.

One Occurrence per genotyped sample that a catalogue assigned to an
individual (DOMAIN notes §6.2): ``basisOfRecord = MaterialSample``,
``occurrenceID = urn:genmon:<sample>``, ``materialSampleID``, and
``organismID = urn:genmon:ind:<individual>``, which links the recaptures of
one animal.  Extensions:

``resourcerelationship.txt`` (Darwin Core ResourceRelationship)
    sample → individual, with the run that made the assignment.
``ggbn_materialsample.txt`` (GGBN Material Sample)
    ``ggbn:materialSampleType`` from the field sample type.
``ggbn_amplification.txt`` (GGBN Amplification)
    one row per sample and locus: ``ggbn:marker`` and
    ``ggbn:pcrReplicateNumber``, the number of PCR replicates typed (from the
    batches that are not superseded).

Coordinates are generalised by default, as GBIF's guidance for sensitive
species asks (Chapman 2020): snapped to the centre of a grid cell
(:func:`genmon.geo.coarsen`, 0.1° unless told otherwise), never randomised;
``coordinateUncertaintyInMeters`` grows by the distance from the cell centre
to its farthest corner, and ``dataGeneralizations`` says what was done.
Exact coordinates are written only when asked for (``exact_coordinates=True``).  Sites,
projected coordinates and permits are never exported.

Every column is checked against the bundled term list
(``darwin_core_terms.tsv``: Darwin Core, DCMI and GGBN terms with their IRIs)
before anything is written; ``meta.xml`` maps each column to its term IRI
and ``eml.xml`` is a minimal EML 2.1.1 document (title, creator, contact,
provenance, the generalisation statement).  Rows are sorted and numbers
formatted the same way every time, so two exports of the same data differ
only in ``eml.xml``'s time stamp.  The archive is written atomically.

References
----------
Wieczorek J et al. (2012) Darwin Core: an evolving community-developed
biodiversity data standard. PLoS ONE 7:e29715. doi:10.1371/journal.pone.0029715
Darwin Core text guide (archive format): https://dwc.tdwg.org/text/
Droege G et al. (2016) The Global Genome Biodiversity Network (GGBN) Data
Standard specification. Database 2016:baw125. doi:10.1093/database/baw125
Chapman AD (2020) Current Best Practices for Generalizing Sensitive Species
Occurrence Data. GBIF Secretariat, Copenhagen. doi:10.15468/doc-5jp4-5g10
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import math
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine

from .._version import __version__
from ..exceptions import GenmonError, InputError, Problem
from ..geo import DEFAULT_DEGREE_CELL, cell_half_diagonal_m, coarsen
from .archive import atomic_zip, write_member
from .catalogue_store import DEFAULT_CATALOGUE
from .migrate import current_revision
from .records import select_in_chunks
from .schema import (
    allele_calls,
    batches,
    catalogues,
    detections,
    extractions,
    individuals,
    pcr_replicates,
    projects,
    runs,
    samples,
    species_calls,
)

__all__ = [
    "DEFAULT_CATALOGUE",
    "DwcaResult",
    "LICENSES",
    "TERMS_FILE",
    "darwin_core_terms",
    "event_date",
    "export_dwca",
]

TERMS_FILE = Path(__file__).with_name("darwin_core_terms.tsv")
_DWC_TEXT_NS = "http://rs.tdwg.org/dwc/text/"
_EML_NS = "eml://ecoinformatics.org/eml-2.1.1"
_XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
#: The column of an extension file that holds the core record's id without being a term itself.
_COREID = "coreid"
#: ggbn:materialSampleType (GGBN's recommended vocabulary) for genmon's field sample types.
_GGBN_SAMPLE_TYPE = {
    "tissue": "tissue",
    "blood": "tissue",
    "hair": "tissue",
    "scat": "environmental sample",
    "urine": "environmental sample",
    "saliva": "environmental sample",
}
#: Licences GBIF accepts for occurrence data: name -> (title, URL) for eml.xml's intellectualRights.
LICENSES = {
    "CC0-1.0": ("Public Domain (CC0 1.0)", "http://creativecommons.org/publicdomain/zero/1.0/legalcode"),
    "CC-BY-4.0": ("Creative Commons Attribution (CC-BY) 4.0 License", "http://creativecommons.org/licenses/by/4.0/legalcode"),
    "CC-BY-NC-4.0": ("Creative Commons Attribution Non Commercial (CC-BY-NC) 4.0 License",
                     "http://creativecommons.org/licenses/by-nc/4.0/legalcode"),
}
_SEX = {"m": "male", "male": "male", "f": "female", "female": "female"}


@dataclass(frozen=True)
class Term:
    """One term of the bundled list."""

    name: str
    iri: str
    namespace: str
    term_class: str


@lru_cache(maxsize=1)
def darwin_core_terms() -> dict[str, Term]:
    """The bundled term list (``darwin_core_terms.tsv``), by term name."""
    out = {}
    for line in TERMS_FILE.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or line.startswith("term\t"):
            continue
        name, iri, namespace, term_class = line.split("\t")
        out[name] = Term(name, iri, namespace, term_class)
    return out


@dataclass(frozen=True)
class _ArchiveFile:
    location: str
    row_type: str
    columns: tuple[str, ...]
    namespaces: tuple[str, ...]
    term_class: str | None = None  # GGBN files: the vocabulary their terms must come from

    @property
    def is_core(self) -> bool:
        return self.location == "occurrence.txt"


_DWC = "http://rs.tdwg.org/dwc/terms/"
_GGBN = "http://data.ggbn.org/schemas/ggbn/terms/"
_CORE = _ArchiveFile(
    "occurrence.txt",
    _DWC + "Occurrence",
    (
        "occurrenceID",
        "basisOfRecord",
        "materialSampleID",
        "organismID",
        "eventDate",
        "decimalLatitude",
        "decimalLongitude",
        "geodeticDatum",
        "coordinateUncertaintyInMeters",
        "countryCode",
        "scientificName",
        "taxonRank",
        "sex",
        "preparations",
        "recordedBy",
        "identifiedBy",
        "dateIdentified",
        "identificationRemarks",
        "occurrenceStatus",
        "dataGeneralizations",
        "informationWithheld",
    ),
    ("dwc", "dcterms"),
)
_RELATIONSHIP = _ArchiveFile(
    "resourcerelationship.txt",
    _DWC + "ResourceRelationship",
    (
        "resourceID",
        "relatedResourceID",
        "relationshipOfResource",
        "relationshipAccordingTo",
        "relationshipEstablishedDate",
    ),
    ("dwc",),
)
_MATERIAL = _ArchiveFile(
    "ggbn_materialsample.txt", _GGBN + "MaterialSample", (_COREID, "materialSampleType"), ("ggbn",), "MaterialSample"
)
_AMPLIFICATION = _ArchiveFile(
    "ggbn_amplification.txt",
    _GGBN + "Amplification",
    (_COREID, "marker", "pcrReplicateNumber"),
    ("ggbn",),
    "Amplification",
)
_FILES = (_CORE, _RELATIONSHIP, _MATERIAL, _AMPLIFICATION)


def check_columns(spec: _ArchiveFile) -> list[Problem]:
    """Problems with the columns of one archive file (unknown terms, terms from the wrong vocabulary)."""
    terms = darwin_core_terms()
    problems = []
    for k, col in enumerate(spec.columns):
        if col == _COREID and k == 0 and not spec.is_core:
            continue
        term = terms.get(col)
        allowed = ", ".join(spec.namespaces) + (f" {spec.term_class}" if spec.term_class else "")
        if term is None:
            problems.append(Problem(f'column "{col}"', f"a term of the bundled list ({TERMS_FILE.name})", spec.location))
        elif term.namespace not in spec.namespaces or (spec.term_class and term.term_class != spec.term_class):
            problems.append(Problem(f'column "{col}" ({term.iri})', f"a {allowed} term", spec.location))
    return problems


_OFFSET = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)


def _tzinfo(name: str) -> _dt.tzinfo:
    text = name.strip()
    if text.upper() in ("UTC", "GMT", "Z"):
        return _dt.UTC
    m = _OFFSET.match(text)
    if m:
        sign = -1 if m.group(1) == "-" else 1
        delta = _dt.timedelta(hours=int(m.group(2)), minutes=int(m.group(3) or 0))
        if delta > _dt.timedelta(hours=14):
            raise ValueError(text)
        return _dt.timezone(sign * delta)
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(text) from None


def event_date(collected: str | None, timezone: str | None) -> str:
    """``eventDate``: ISO 8601, with the UTC offset of the collection's time zone.

    A date alone stays a date (an offset means nothing without a time); a
    date and time get the offset of ``timezone`` (an IANA name such as
    ``Asia/Vladivostok``, whose offset is taken at that moment, or a fixed
    offset such as ``UTC+10`` or ``+08:00``); a time that carries its own
    offset keeps it.  A time without any offset is written without one.

    Raises
    ------
    ValueError
        ``collected`` or ``timezone`` cannot be read.

    Examples
    --------
    >>> event_date("2024-01-12 10:40", "Asia/Vladivostok")
    '2024-01-12T10:40+10:00'
    >>> event_date("2024-01-12", "UTC+8")
    '2024-01-12'
    """
    if collected is None or not str(collected).strip():
        return ""
    text = str(collected).strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return _dt.date.fromisoformat(text).isoformat()
    when = _dt.datetime.fromisoformat(text.replace(" ", "T", 1))
    spec = "seconds" if when.second or when.microsecond or re.search(r"\d:\d{2}:\d{2}", text) else "minutes"
    if when.tzinfo is None and timezone is not None and str(timezone).strip():
        when = when.replace(tzinfo=_tzinfo(str(timezone)))
    out = when.replace(microsecond=0).isoformat(timespec=spec)
    return out[:-6] + "Z" if out.endswith("+00:00") and when.tzinfo is _dt.UTC else out


def _rank(name: str) -> str:
    words = name.split()
    if len(words) == 3 and words[0][:1].isupper() and words[1].islower() and words[2].islower():
        return "subspecies"
    if len(words) == 2 and words[0][:1].isupper() and words[1].islower():
        return "species"
    return ""


def _decimals(cell: float) -> int:
    """Decimal places that write every centre of a ``cell``-degree grid exactly."""
    for d in range(1, 13):
        if abs(round(cell / 2, d) - cell / 2) < 1e-12 and abs(round(cell, d) - cell) < 1e-12:
            return d
    return 12


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    # fieldsEnclosedBy="" in meta.xml: no value may hold a separator
    return re.sub(r"[\t\r\n]+", " ", str(value)).strip()


def _metres(value: float) -> str:
    return str(int(math.ceil(value - 1e-9)))


@dataclass
class DwcaResult:
    """What one export wrote."""

    path: Path
    n_occurrences: int
    n_individuals: int
    grid: float | None
    n_without_coordinates: int = 0
    n_without_sample_record: int = 0
    n_times_without_offset: int = 0
    warnings: list[str] = field(default_factory=list)

    def message(self) -> str:
        where = "exact coordinates" if self.grid is None else f"coordinates generalised to {self.grid:g}°"
        return f"wrote {self.path}: {self.n_occurrences} occurrences of {self.n_individuals} individuals ({where})"


def _resolve(individual: str, by_id: dict[str, Any]) -> str:
    """Follow ``merged_into`` to the individual a merged one now belongs to."""
    seen = {individual}
    while individual in by_id and by_id[individual].status == "merged" and by_id[individual].merged_into:
        individual = by_id[individual].merged_into
        if individual in seen:
            break
        seen.add(individual)
    return individual


def _run_label(run) -> str:
    params = json.loads(run.parameters or "{}")
    method = params.get("method") if isinstance(params, dict) else None
    return f"genmon {run.genmon_version} {run.kind}" + (f" ({method})" if method else "")


def _collect(conn: Connection, catalogue: str) -> dict[str, Any]:
    cat = conn.execute(select(catalogues).where(catalogues.c.name == catalogue)).first()
    if cat is None:
        names = ", ".join(conn.execute(select(catalogues.c.name).order_by(catalogues.c.name)).scalars()) or "none"
        raise GenmonError(f'no catalogue "{catalogue}" in the database (catalogues: {names})')
    inds = {
        r.individual_id: r
        for r in conn.execute(
            select(individuals.c.individual_id, individuals.c.status, individuals.c.merged_into,
                   individuals.c.sex, individuals.c.species).where(individuals.c.catalogue_id == cat.id)
        )
    }
    latest: dict[str, Any] = {}  # the newest assignment of each sample
    for r in conn.execute(
        select(detections.c.sample_id, detections.c.individual_id, detections.c.status, detections.c.run_id)
        .where(detections.c.catalogue_id == cat.id)
        .order_by(detections.c.id)
    ):
        latest[r.sample_id] = r
    ids = sorted(latest)
    run_ids = sorted({r.run_id for r in latest.values()})
    run_rows = {
        r.id: r
        for r in select_in_chunks(
            conn,
            lambda chunk: select(runs.c.id, runs.c.kind, runs.c.genmon_version, runs.c.parameters,
                                 runs.c.started_at).where(runs.c.id.in_(chunk)),
            run_ids,
        )
    }
    smp = {
        r.sample_id: r
        for r in select_in_chunks(conn, lambda chunk: select(samples).where(samples.c.sample_id.in_(chunk)), ids)
    }
    species: dict[int, Any] = {}
    for r in select_in_chunks(
        conn,
        lambda chunk: select(species_calls).where(species_calls.c.sample_pk.in_(chunk)).order_by(species_calls.c.id),
        [s.id for s in smp.values()],
    ):
        species[r.sample_pk] = r  # the newest call wins
    replicates = select_in_chunks(
        conn,
        lambda chunk: select(samples.c.sample_id, allele_calls.c.locus, func.count())
        .select_from(allele_calls)
        .join(pcr_replicates, pcr_replicates.c.id == allele_calls.c.replicate_pk)
        .join(batches, batches.c.id == pcr_replicates.c.batch_id)
        .join(extractions, extractions.c.id == pcr_replicates.c.extraction_pk)
        .join(samples, samples.c.id == extractions.c.sample_pk)
        .where(batches.c.superseded_by.is_(None), samples.c.sample_id.in_(chunk))
        .group_by(samples.c.sample_id, allele_calls.c.locus),
        ids,
    )
    project_rows = conn.execute(
        select(projects.c.code, projects.c.name, projects.c.agency).order_by(projects.c.code)
    ).all()
    return {
        "catalogue": cat, "individuals": inds, "detections": latest, "runs": run_rows,
        "samples": smp, "species": species, "replicates": replicates, "projects": project_rows,
    }


def _rows(data: dict[str, Any], grid: float | None) -> tuple[dict[str, list[list[str]]], DwcaResult]:
    cat, inds, smp = data["catalogue"], data["individuals"], data["samples"]
    problems: list[Problem] = []
    result = DwcaResult(Path(), 0, 0, grid)
    core, relations, material = [], [], []
    ids = sorted(data["detections"])
    lat = np.array([smp[s].latitude if s in smp and smp[s].latitude is not None else np.nan for s in ids], dtype=float)
    lon = np.array([smp[s].longitude if s in smp and smp[s].longitude is not None else np.nan for s in ids], dtype=float)
    located = ~(np.isnan(lat) | np.isnan(lon))
    if grid is not None:
        out_lat, out_lon = coarsen(lat, grid), coarsen(lon, grid)
        spread = np.zeros(len(ids))
        if located.any():
            spread[located] = cell_half_diagonal_m(lat[located], lon[located], grid)
        places = _decimals(grid)
        generalised = (
            f"coordinates generalised to the centre of a {grid:g}-degree grid cell (not randomised), "
            "following GBIF's best practices for sensitive species; coordinateUncertaintyInMeters "
            "includes the distance from the cell centre to its farthest corner"
        )
        withheld = "exact coordinates withheld (sensitive species); held by the data owner under access control"
    individuals_seen = set()
    for k, sid in enumerate(ids):
        det = data["detections"][sid]
        s = smp.get(sid)
        ind_id = _resolve(det.individual_id, inds)
        ind = inds.get(ind_id)
        individuals_seen.add(ind_id)
        name = _text((ind.species if ind is not None else None) or cat.species)
        if not name:
            problems.append(Problem(f"no species for individual {ind_id} nor for catalogue {cat.name}",
                                    "a scientific name (set the catalogue's species)", sample=sid))
        run = data["runs"].get(det.run_id)
        identified_by = _run_label(run) if run is not None else ""
        identified_on = (run.started_at or "")[:10] if run is not None else ""
        remarks = [f"individual assigned from its multilocus genotype ({_text(det.status)})"]
        lat_text = lon_text = uncertainty = datum = ""
        generalisation = info_withheld = ""
        collected = ""
        if s is None:
            result.n_without_sample_record += 1
        else:
            try:
                collected = event_date(s.collected, s.timezone)
            except ValueError:
                problems.append(Problem(f'collection date "{s.collected}" with time zone "{s.timezone}"',
                                        "an ISO 8601 date or date-time and an IANA time zone or UTC offset",
                                        "samples", sample=sid))
            if "T" in collected and not re.search(r"(Z|[+-]\d{2}:\d{2})$", collected):
                result.n_times_without_offset += 1
            call = data["species"].get(s.id)
            if call is not None:
                pct = f" {100 * call.identity:.1f}%" if call.identity is not None else ""
                ref = f" to {call.reference}" if call.reference else ""
                remarks.append(f"species call {call.species}{pct}{ref}")
            if located[k]:
                datum = "EPSG:4326"
                known = s.coordinate_uncertainty_m
                if grid is None:
                    lat_text, lon_text = repr(float(lat[k])), repr(float(lon[k]))
                    uncertainty = _metres(known) if known is not None else ""
                else:
                    lat_text, lon_text = f"{out_lat[k]:.{places}f}", f"{out_lon[k]:.{places}f}"
                    uncertainty = _metres(spread[k] + (known or 0.0))
                    generalisation, info_withheld = generalised, withheld
            else:
                result.n_without_coordinates += 1
        occurrence = f"urn:genmon:{sid}"
        organism = f"urn:genmon:ind:{ind_id}"
        sex = _SEX.get(_text(ind.sex if ind is not None else "").lower(), "")
        core.append([
            occurrence, "MaterialSample", sid, organism, collected, lat_text, lon_text, datum, uncertainty,
            _text(s.country if s is not None else ""), name, _rank(name), sex,
            _text(s.sample_type if s is not None else ""), _text(s.collector if s is not None else ""),
            identified_by, identified_on, "; ".join(remarks), "present", generalisation, info_withheld,
        ])
        relations.append([occurrence, organism, "sample of individual", identified_by, identified_on])
        kind = _GGBN_SAMPLE_TYPE.get(_text(s.sample_type if s is not None else "").lower())
        if kind:
            material.append([occurrence, kind])
    if problems:
        raise InputError(problems)
    amplification = sorted(
        [f"urn:genmon:{sid}", _text(locus), str(int(n))] for sid, locus, n in data["replicates"]
    )
    result.n_occurrences = len(core)
    result.n_individuals = len(individuals_seen)
    rows = {
        _CORE.location: [[_text(v) for v in row] for row in core],
        _RELATIONSHIP.location: [[_text(v) for v in row] for row in relations],
        _MATERIAL.location: material,
        _AMPLIFICATION.location: amplification,
    }
    return rows, result


def _tsv(spec: _ArchiveFile, rows: list[list[str]]) -> bytes:
    lines = ["\t".join(spec.columns)] + ["\t".join(r) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _meta_xml(specs: Sequence[_ArchiveFile]) -> bytes:
    terms = darwin_core_terms()
    ET.register_namespace("", _DWC_TEXT_NS)
    root = ET.Element(f"{{{_DWC_TEXT_NS}}}archive", {"metadata": "eml.xml"})
    for spec in specs:
        el = ET.SubElement(
            root,
            f"{{{_DWC_TEXT_NS}}}{'core' if spec.is_core else 'extension'}",
            {
                "encoding": "UTF-8",
                "fieldsTerminatedBy": "\\t",
                "linesTerminatedBy": "\\n",
                "fieldsEnclosedBy": "",
                "ignoreHeaderLines": "1",
                "rowType": spec.row_type,
            },
        )
        files = ET.SubElement(el, f"{{{_DWC_TEXT_NS}}}files")
        ET.SubElement(files, f"{{{_DWC_TEXT_NS}}}location").text = spec.location
        ET.SubElement(el, f"{{{_DWC_TEXT_NS}}}{'id' if spec.is_core else 'coreid'}", {"index": "0"})
        for k, col in enumerate(spec.columns):
            if col != _COREID:
                ET.SubElement(el, f"{{{_DWC_TEXT_NS}}}field", {"index": str(k), "term": terms[col].iri})
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _eml_xml(
    data: dict[str, Any], result: DwcaResult, package_id: str, title: str | None, creator: str | None,
    license: str | None, revision: str | None, when: _dt.datetime,
) -> bytes:
    cat = data["catalogue"]
    projects_ = data["projects"]
    species = sorted({_text(i.species) for i in data["individuals"].values() if i.species} | {_text(cat.species)} - {""})
    names = ", ".join(p.name or p.code for p in projects_) or "genmon monitoring database"
    title = title or f"Non-invasive genetic detections of {', '.join(species) or 'individuals'} ({names})"
    creator = creator or ", ".join(sorted({p.agency for p in projects_ if p.agency})) or names
    ET.register_namespace("eml", _EML_NS)
    ET.register_namespace("xsi", _XSI_NS)
    root = ET.Element(
        f"{{{_EML_NS}}}eml",
        {
            "packageId": package_id,
            "system": "genmon",
            "scope": "system",
            "{http://www.w3.org/XML/1998/namespace}lang": "en",
            f"{{{_XSI_NS}}}schemaLocation": f"{_EML_NS} http://rs.gbif.org/schema/eml-gbif-profile/1.1/eml.xsd",
        },
    )
    ds = ET.SubElement(root, "dataset")
    ET.SubElement(ds, "title", {"{http://www.w3.org/XML/1998/namespace}lang": "en"}).text = title
    for role in ("creator", "metadataProvider"):
        ET.SubElement(ET.SubElement(ds, role), "organizationName").text = creator
    ET.SubElement(ds, "pubDate").text = when.date().isoformat()
    ET.SubElement(ds, "language").text = "en"
    ET.SubElement(ET.SubElement(ds, "abstract"), "para").text = (
        f"{result.n_occurrences} occurrences (one per genotyped non-invasive sample) of "
        f"{result.n_individuals} individuals identified by their multilocus genotypes "
        f"(catalogue {cat.name}); organismID links the samples of one individual."
    )
    if license is not None:
        name, url = LICENSES[license]
        para = ET.SubElement(ET.SubElement(ds, "intellectualRights"), "para")
        para.text = "This work is licensed under a "
        ulink = ET.SubElement(para, "ulink", {"url": url})
        ET.SubElement(ulink, "citetitle").text = name
        ulink.tail = "."
    ET.SubElement(ET.SubElement(ds, "contact"), "organizationName").text = creator
    methods = ET.SubElement(ds, "methods")
    generalisation = (
        "Exact coordinates, as recorded in the field, exported on request (--exact-coordinates)."
        if result.grid is None
        else f"Coordinates generalised to the centre of a {result.grid:g}-degree grid cell, following "
        "GBIF's Current Best Practices for Generalizing Sensitive Species Occurrence Data (Chapman 2020, "
        "doi:10.15468/doc-5jp4-5g10): generalised, not randomised; coordinateUncertaintyInMeters adds "
        "the distance from the cell centre to its farthest corner. Exact coordinates, sites and projected "
        "coordinates are withheld."
    )
    runs_used = ", ".join(sorted({_run_label(r) for r in data["runs"].values()})) or "none"
    for text in (
        f"Exported by genmon {__version__} from the monitoring database (schema revision {revision}); "
        f"individual assignments made by: {runs_used}.",
        generalisation,
    ):
        step = ET.SubElement(methods, "methodStep")
        ET.SubElement(ET.SubElement(step, "description"), "para").text = text
    extra = ET.SubElement(ET.SubElement(ET.SubElement(root, "additionalMetadata"), "metadata"), "gbif")
    ET.SubElement(extra, "dateStamp").text = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    ET.indent(root)
    for ulink in root.iter("ulink"):  # mixed content: no indentation inside the sentence
        ulink.text, ulink.tail = None, "."
        ulink[0].tail = None
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def export_dwca(
    engine: Engine,
    output: str | os.PathLike,
    *,
    grid: float = DEFAULT_DEGREE_CELL,
    exact_coordinates: bool = False,
    catalogue: str = DEFAULT_CATALOGUE,
    title: str | None = None,
    creator: str | None = None,
    license: str | None = None,
    timestamp: _dt.datetime | None = None,
) -> DwcaResult:
    """Write the Darwin Core Archive of ``catalogue``'s assigned samples to ``output``.

    Parameters
    ----------
    engine
        The monitoring database.
    output
        The ``.zip`` to write (replaced atomically).
    grid
        Cell size in degrees the coordinates are generalised to.
    exact_coordinates
        Write the coordinates as recorded instead (``grid`` is then unused).
    catalogue
        Name of the individual catalogue whose assignments are exported.
    title, creator
        For ``eml.xml`` (default: from the projects in the database).
    license
        One of :data:`LICENSES` (GBIF publishes data only under one of
        them), written to ``eml.xml``; none by default.
    timestamp
        Export time written in ``eml.xml`` (now by default).

    Raises
    ------
    InputError
        A stored value cannot be exported (an unreadable collection date, no
        species); nothing is written.
    """
    if license is not None and license not in LICENSES:
        raise GenmonError(f'licence "{license}" is not one of {", ".join(LICENSES)}')
    if not exact_coordinates and not grid > 0:
        raise GenmonError(f"the grid must be a positive number of degrees, got {grid}")
    problems = [p for spec in _FILES for p in check_columns(spec)]
    if problems:  # a programming error, caught before anything is written
        raise GenmonError("; ".join(str(p) for p in problems))
    with engine.connect() as conn:
        data = _collect(conn, catalogue)
    revision = current_revision(engine)
    rows, result = _rows(data, None if exact_coordinates else float(grid))
    members = {spec.location: _tsv(spec, rows[spec.location]) for spec in _FILES}
    package_id = "urn:genmon:dwca:" + hashlib.sha256(members[_CORE.location]).hexdigest()[:32]
    when = (timestamp or _dt.datetime.now(_dt.UTC)).astimezone(_dt.UTC)
    output = Path(output)
    with atomic_zip(output) as zf:
        write_member(zf, "meta.xml", _meta_xml(_FILES))
        write_member(zf, "eml.xml", _eml_xml(data, result, package_id, title, creator, license, revision, when))
        for spec in _FILES:
            write_member(zf, spec.location, members[spec.location])
    result.path = output
    if result.n_times_without_offset:
        result.warnings.append(
            f"{result.n_times_without_offset} collection times have no time zone; their eventDate has no UTC offset"
        )
    if result.n_without_sample_record:
        result.warnings.append(
            f"{result.n_without_sample_record} assigned samples have no sample record (no date or place exported)"
        )
    return result

"""Sex identification from sex-marker PCR replicates, species-aware.

Markers (:class:`SexMarker`) are loci of the replicate table (any kind; sex
markers are usually ``SEX`` loci sized with the STRs):

``xy``
    X and Y copies differ in length (amelogenin, ZFX/ZFY): a replicate
    showing a Y-size product is *male evidence*; one showing only X-size
    products is *female evidence* (the X product is its own positive
    control).
``y``
    A Y-specific product (SRY, DBY) read together with a ``control`` locus
    (e.g. a ZFX or autosomal product in the same multiplex): a replicate
    whose control amplified is male evidence when it shows the Y product and
    female evidence when it does not; without the control it says nothing.

Per sample the evidence is summed over markers and replicates:

- ``M`` when at least ``min_male`` replicates show male evidence;
- ``F`` when no replicate shows male evidence and at least ``min_female``
  show female evidence;
- ``unknown`` otherwise (too little evidence, or male evidence below
  ``min_male``: a Y allele seen once may be contamination, a Y allele
  missing once may be dropout).

Female calls therefore need a positive control and replicate agreement
(DOMAIN notes §3.2).  A marker may be unreliable in some species (amelogenin
shows both products in both sexes of leopard cats, Phandee et al. 2016); such
a marker is used only for samples whose species is known and not one of them,
so the species must be called first.

References
----------
Pilgrim KL, McKelvey KS, Riddle AE, Schwartz MK (2005) Felid sex identification
based on noninvasive genetic samples. Molecular Ecology Notes 5:60-61.

McEwing R, et al. (2012) Molecular sexing of tigers. Conservation Genetics
Resources 4:299-301.

Phandee S, et al. (2016) Thai Journal of Veterinary Medicine 46:41 (amelogenin
and ZF in leopard cats and fishing cats).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..exceptions import InputError, ModelError, Problem, ProblemLog
from ..model import GenotypeTable
from ._replicates import group_replicates

__all__ = ["SexMarker", "AMELOGENIN", "call_sex", "read_sex_markers", "read_species_calls", "read_sex_calls",
           "call_sex_files"]


@dataclass(frozen=True)
class SexMarker:
    """How one locus of the table informs sex (see the module docstring).

    Parameters
    ----------
    locus
        Locus name in the table.
    kind
        ``xy`` or ``y``.
    x_sizes, y_sizes
        ``xy``: allele sizes (bp) of the X and Y products; ``y``: the sizes
        of the Y product (any allele counts when empty).
    tolerance
        bp either side of each size.
    control
        ``y``: the locus whose amplification shows the PCR worked.
    unreliable_in
        Species (binomials, e.g. ``Prionailurus bengalensis``) in which the
        marker does not tell the sexes apart.
    """

    locus: str
    kind: str = "xy"
    x_sizes: tuple[int, ...] = ()
    y_sizes: tuple[int, ...] = ()
    tolerance: int = 1
    control: str | None = None
    unreliable_in: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.kind not in ("xy", "y"):
            raise ModelError(f"sex marker {self.locus}: kind must be 'xy' or 'y', got {self.kind!r}")
        if self.kind == "xy" and (not self.x_sizes or not self.y_sizes):
            raise ModelError(f"sex marker {self.locus}: an xy marker needs x_sizes and y_sizes")
        if self.kind == "y" and not self.control:
            raise ModelError(f"sex marker {self.locus}: a Y-presence marker needs a control locus")
        object.__setattr__(self, "unreliable_in", frozenset(self.unreliable_in))


#: Felid amelogenin (Pilgrim et al. 2005 primers): X about 214 bp, Y about 194 bp (verify with
#: the lab's own sizing); unreliable in leopard cats.
AMELOGENIN = SexMarker("AMEL", "xy", (214,), (194,), tolerance=2,
                       unreliable_in=frozenset({"Prionailurus bengalensis"}))


def _near(values: np.ndarray, sizes: Sequence[int], tol: int) -> np.ndarray:
    if not len(sizes):
        return values >= 0
    out = np.zeros(values.shape, dtype=bool)
    for s in sizes:
        out |= (values >= 0) & (np.abs(values - s) <= tol)
    return out


def call_sex(
    table: GenotypeTable,
    markers: Sequence[SexMarker],
    species: Mapping[str, str] | None = None,
    min_male: int = 2,
    min_female: int = 3,
) -> pd.DataFrame:
    """Sex of each field sample from its sex-marker replicates.

    Parameters
    ----------
    table
        Replicate PCRs (one row each, ``sample_id`` the field sample,
        ``replicate_id`` filled) including the marker (and control) loci.
    markers
        The markers to use.
    species
        Species (binomial) per field sample, e.g. from ``genmon species``;
        a ``species`` column of the table's sample metadata is used when not
        given.  Markers unreliable in some species are used only for samples
        whose species is known and not one of them.
    min_male, min_female
        Replicates of male / female evidence needed.

    Returns
    -------
    pandas.DataFrame
        ``sample, sex (F, M or unknown), male_replicates, female_replicates,
        markers_used, reason``.

    Examples
    --------
    Amelogenin (X 214, Y 194): T1 shows 194/214 twice and 214 once (Y dropout
    once): 2 male replicates -> M.  T2 shows 214 alone three times -> F.  T3
    shows 194/214 once -> unknown (one male replicate).

    >>> t = GenotypeTable.from_alleles(
    ...     [[[194, 214]], [[194, 214]], [[214, 214]], [[214, 214]], [[214, 214]], [[214, 214]],
    ...      [[194, 214]], [[-1, -1]]], ["AMEL"], kinds="SEX",
    ...     samples=pd.DataFrame({"sample_id": ["T1"] * 3 + ["T2"] * 3 + ["T3"] * 2,
    ...                           "replicate_id": list("abcabcab")}))
    >>> r = call_sex(t, [AMELOGENIN], species={"T1": "Panthera tigris", "T2": "Panthera tigris",
    ...                                        "T3": "Panthera tigris"})
    >>> r[["sample", "sex", "male_replicates", "female_replicates"]].values.tolist()
    [['T1', 'M', 2, 1], ['T2', 'F', 0, 3], ['T3', 'unknown', 1, 0]]
    """
    if not markers:
        raise ModelError("no sex markers given")
    names = table.locus_id
    needed = sorted({m.locus for m in markers} | {m.control for m in markers if m.control})
    missing = [n for n in needed if n not in names]
    if missing:
        raise InputError([Problem(f"no locus {n}", "the sex-marker loci in the table", locus=n) for n in missing])
    reps = group_replicates(table.subset(loci=needed))
    values_lo = np.full(reps.obs_lo.shape, -1, dtype=np.int64)
    values_hi = np.full(reps.obs_hi.shape, -1, dtype=np.int64)
    for j, locus in enumerate(reps.loci):
        if locus.kind == "SNP":
            raise InputError(Problem(f"SNP locus {locus.name}", "a sized (STR or SEX) sex marker", locus=locus.name))
        tab = np.asarray(locus.alleles + (-1,), dtype=np.int64)
        values_lo[..., j] = tab[reps.obs_lo[..., j]]
        values_hi[..., j] = tab[reps.obs_hi[..., j]]
    if species is None and "species" in table.samples.columns:
        first = table.samples.drop_duplicates("sample_id").set_index("sample_id")["species"]
        species = {str(k): str(v) for k, v in first.dropna().items()}
    species = dict(species or {})
    loc = {n: j for j, n in enumerate(reps.locus_id)}
    n_s = reps.n_samples
    male = np.zeros(n_s, dtype=np.int64)
    female = np.zeros(n_s, dtype=np.int64)
    used: list[list[str]] = [[] for _ in range(n_s)]
    skipped: list[list[str]] = [[] for _ in range(n_s)]
    sp = np.array([species.get(str(s)) for s in reps.sample_id], dtype=object)
    for m in markers:
        usable = np.ones(n_s, dtype=bool)
        if m.unreliable_in:
            usable = np.array([s is not None and s not in m.unreliable_in for s in sp], dtype=bool)
        j = loc[m.locus]
        lo, hi = values_lo[..., j], values_hi[..., j]
        present = reps.replicate_present
        if m.kind == "xy":
            y = _near(lo, m.y_sizes, m.tolerance) | _near(hi, m.y_sizes, m.tolerance)
            x = _near(lo, m.x_sizes, m.tolerance) | _near(hi, m.x_sizes, m.tolerance)
            male_rep = y & present
            female_rep = x & ~y & present
        else:
            c = loc[m.control]
            control_ok = (reps.obs_lo[..., c] >= 0) & present
            y = _near(lo, m.y_sizes, m.tolerance) | _near(hi, m.y_sizes, m.tolerance)
            male_rep = y & present
            female_rep = control_ok & ~y
        male += np.where(usable, male_rep.sum(axis=1), 0)
        female += np.where(usable, female_rep.sum(axis=1), 0)
        for i in range(n_s):
            (used if usable[i] else skipped)[i].append(m.locus)
    sex = np.where(male >= min_male, "M", np.where((male == 0) & (female >= min_female), "F", "unknown"))
    reason = []
    for i in range(n_s):
        parts = []
        if sex[i] == "unknown":
            if not used[i]:
                parts.append("no usable marker")
            elif male[i] > 0:
                parts.append(f"male evidence in {male[i]} replicate(s), {min_male} needed")
            else:
                parts.append(f"female evidence in {female[i]} replicate(s), {min_female} needed")
        if skipped[i]:
            why = "species unknown" if sp[i] is None else f"unreliable in {sp[i]}"
            parts.append(f"{', '.join(skipped[i])} not used ({why})")
        reason.append("; ".join(parts))
    return pd.DataFrame(
        {
            "sample": reps.sample_id,
            "sex": sex,
            "male_replicates": male,
            "female_replicates": female,
            "markers_used": [",".join(u) for u in used],
            "reason": reason,
        }
    )


def _sizes(text: str, what: str, log: ProblemLog, line: int, locus: str) -> tuple[int, ...]:
    out = []
    for tok in text.replace(",", ";").split(";"):
        tok = tok.strip()
        if not tok:
            continue
        try:
            out.append(int(tok))
        except ValueError:
            log.error(f'{what} "{tok}"', "whole numbers (bp) separated by ;", line=line, locus=locus)
    return tuple(out)


def read_sex_markers(path: str | Path) -> list[SexMarker]:
    """Sex markers from a TSV/CSV with columns ``locus, kind`` and optionally
    ``x_sizes, y_sizes, tolerance, control, unreliable_in`` (sizes and species
    separated by ``;``).  Every problem is reported with its line.

    Examples
    --------
    A file with the rows ``AMEL xy 214 194 2 - Prionailurus bengalensis`` and
    ``SRY y - 176 2 ZFX -`` gives an amelogenin marker and an SRY marker
    with a ZFX control.
    """
    path = Path(path)
    log = ProblemLog(str(path))
    try:
        df = pd.read_csv(path, sep=None, engine="python", dtype=str, keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(Problem(f"an unreadable table ({exc.__class__.__name__})", "a sex-marker table",
                                 str(path))) from None
    need = [c for c in ("locus", "kind") if c not in df.columns]
    if need:
        raise InputError(Problem(f"no column {', '.join(need)}", "columns locus, kind, x_sizes, y_sizes, "
                                 "tolerance, control, unreliable_in", str(path), 1))
    markers = []
    for k, row in enumerate(df.to_dict("records")):
        line = k + 2
        locus = row["locus"].strip()
        x = _sizes(row.get("x_sizes", ""), "x size", log, line, locus)
        y = _sizes(row.get("y_sizes", ""), "y size", log, line, locus)
        tol_text = (row.get("tolerance", "") or "1").strip()
        try:
            tol = int(tol_text)
        except ValueError:
            log.error(f'tolerance "{tol_text}"', "a whole number of bp", line=line, locus=locus)
            tol = 1
        control = (row.get("control", "") or "").strip() or None
        unreliable = frozenset(s.strip() for s in (row.get("unreliable_in", "") or "").split(";") if s.strip())
        try:
            markers.append(SexMarker(locus, row["kind"].strip(), x, y, tol, control, unreliable))
        except ModelError as exc:
            log.error(str(exc), "a complete marker definition", line=line, locus=locus)
    if not markers and not log:
        log.error("no markers", "one marker per row")
    log.raise_if_any()
    return markers


def _read_calls(path: str | Path, column: str, what: str, command: str) -> list[dict]:
    """Rows of a one-table call file (``sample`` and ``column``), its ``#`` provenance line skipped."""
    path = Path(path)
    try:
        df = pd.read_csv(path, sep="\t", comment="#", dtype=str, keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(Problem(f"an unreadable table ({exc.__class__.__name__})", what, str(path))) from None
    if "sample" not in df.columns or column not in df.columns:
        raise InputError(Problem(f"no sample and {column} columns", f"a table written by {command}", str(path)))
    return df.to_dict("records")


def read_species_calls(path: str | Path) -> dict[str, str]:
    """Sample -> species from a ``genmon species call`` table (``uncertain`` calls left out)."""
    rows = _read_calls(path, "call", "a species table", "genmon species call")
    return {r["sample"]: r["call"] for r in rows if r["call"] not in ("", "uncertain", "NA")}


def read_sex_calls(path: str | Path) -> dict[str, str]:
    """Sample -> ``F``/``M`` from a ``genmon sex`` table (``unknown`` calls left out)."""
    rows = _read_calls(path, "sex", "a sex table", "genmon sex")
    return {r["sample"]: r["sex"] for r in rows if r["sex"] in ("F", "M")}


def call_sex_files(
    batches: Sequence[str | Path],
    markers_file: str | Path | None = None,
    species_file: str | Path | None = None,
    from_format: str | None = None,
    reader_options: Mapping | None = None,
    **options,
) -> pd.DataFrame:
    """Read replicate batch file(s), markers and species calls, and call the sex of each sample.

    Without a marker file the felid amelogenin marker (:data:`AMELOGENIN`,
    locus ``AMEL``) is used.
    """
    from ..io import read_genotypes
    from ._replicates import merge_replicate_tables

    tables = [read_genotypes(b, from_format, **dict(reader_options or {})) for b in batches]
    table = merge_replicate_tables(tables, [str(b) for b in batches]) if len(tables) > 1 else tables[0]
    markers = read_sex_markers(markers_file) if markers_file is not None else [AMELOGENIN]
    species = read_species_calls(species_file) if species_file is not None else None
    return call_sex(table, markers, species, **options)

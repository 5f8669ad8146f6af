"""The genotype data model.

A :class:`GenotypeTable` holds one canonical genotype array, ``call_genotype``,
of shape ``(samples, loci, ploidy)`` and dtype int16.  Its values are allele
*indices* into each locus's allele table (:attr:`Locus.alleles`); ``-1`` is a
missing allele.  genmon is sample-major, like lab sheets and pairwise kernels;
scikit-allel is variant-major, and :meth:`GenotypeTable.to_allel` transposes.

Allele tables are explicit: microsatellite (``STR``) and sex-marker (``SEX``)
alleles are fragment sizes in bp (ints, sorted ascending); ``SNP`` alleles are
strings, the reference allele first.  A missing allele is never an allele.

Sample metadata is a :class:`pandas.DataFrame` with one row per row of
``call_genotype`` and at least the columns of :data:`SAMPLE_FIELDS` (extra
columns are kept).  When ``replicate_id`` is filled, rows are PCR replicates
of the field sample named in ``sample_id``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from .exceptions import ModelError

__all__ = [
    "LOCUS_KINDS",
    "SAMPLE_FIELDS",
    "SAMPLE_TYPES",
    "MISSING",
    "Locus",
    "GenotypeTable",
]

#: Missing allele code in ``call_genotype``.
MISSING = -1

#: Kinds of locus.
LOCUS_KINDS = ("STR", "SNP", "SEX")

#: Sample types recorded by field teams.
SAMPLE_TYPES = ("scat", "hair", "tissue", "blood", "saliva", "other")

#: Sample metadata columns every table carries (missing values are ``<NA>``/NaN).
SAMPLE_FIELDS: dict[str, str] = {
    "sample_id": "field sample identifier",
    "replicate_id": "PCR replicate identifier, empty for consensus or single genotypes",
    "individual_id": "individual, when known",
    "sample_type": "scat, hair, tissue, blood, saliva or other",
    "date": "collection date (ISO 8601 text)",
    "latitude": "decimal degrees, WGS84",
    "longitude": "decimal degrees, WGS84",
    "x": "projected easting in metres (or any planar coordinate)",
    "y": "projected northing in metres",
    "collector": "who collected the sample",
    "site": "site or reserve",
    "country": "ISO 3166 country code",
    "population": "population or stratum label",
    "occasion": "sampling occasion or session",
    "sex": "sex call (F, M) when known",
}
_FLOAT_FIELDS = ("latitude", "longitude", "x", "y")


@dataclass(frozen=True)
class Locus:
    """One marker and its allele table.

    Parameters
    ----------
    name
        Locus name as the lab writes it (e.g. ``FCA441``).
    alleles
        The allele table: ``call_genotype`` holds indices into it.  Ints (bp)
        for ``STR`` and ``SEX`` loci, strings for ``SNP`` loci.
    kind
        One of :data:`LOCUS_KINDS`.
    repeat_unit
        Repeat length in bp for microsatellites, if known.
    panel
        Multiplex or panel name, if known.
    chrom, position
        Genomic position (SNPs from VCF), if known.
    """

    name: str
    alleles: tuple = ()
    kind: str = "STR"
    repeat_unit: int | None = None
    panel: str | None = None
    chrom: str | None = None
    position: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ModelError(f"locus name must be a non-empty string, got {self.name!r}")
        if self.kind not in LOCUS_KINDS:
            raise ModelError(f"locus {self.name}: kind {self.kind!r} is not one of {LOCUS_KINDS}")
        alleles = tuple(self.alleles)
        if len(set(alleles)) != len(alleles):
            raise ModelError(f"locus {self.name}: allele table has duplicates: {alleles}")
        if self.kind == "SNP":
            if not all(isinstance(a, str) and a for a in alleles):
                raise ModelError(f"locus {self.name}: SNP alleles must be non-empty strings")
        else:
            if not all(isinstance(a, int | np.integer) and a >= 0 for a in alleles):
                raise ModelError(
                    f"locus {self.name}: {self.kind} alleles must be non-negative whole numbers"
                )
            alleles = tuple(int(a) for a in alleles)
        object.__setattr__(self, "alleles", alleles)

    @property
    def n_alleles(self) -> int:
        return len(self.alleles)

    def index_of(self, allele: Any) -> int:
        """Index of ``allele`` in the table, or :data:`MISSING` if absent."""
        try:
            return self.alleles.index(allele)
        except ValueError:
            return MISSING


def _empty_samples(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            name: pd.Series([np.nan] * n, dtype="float64")
            if name in _FLOAT_FIELDS
            else pd.Series([pd.NA] * n, dtype="string")
            for name in SAMPLE_FIELDS
        }
    )


def normalise_samples(samples: pd.DataFrame | Sequence[str] | None, n: int) -> pd.DataFrame:
    """Return sample metadata with every column of :data:`SAMPLE_FIELDS`, typed.

    Text columns become pandas ``string`` dtype, coordinates ``float64``; extra
    columns are kept as they are.  A sequence of strings is taken as sample ids.
    """
    if samples is None:
        samples = pd.DataFrame({"sample_id": [f"S{i + 1}" for i in range(n)]})
    elif not isinstance(samples, pd.DataFrame):
        samples = pd.DataFrame({"sample_id": list(samples)})
    if len(samples) != n:
        raise ModelError(f"sample metadata has {len(samples)} rows for {n} genotype rows")
    out = _empty_samples(n)
    for name in samples.columns:
        col = samples[name].reset_index(drop=True)
        if name in _FLOAT_FIELDS:
            out[name] = pd.to_numeric(col, errors="raise").astype("float64")
        elif name in SAMPLE_FIELDS:
            out[name] = col.astype("string")
        else:
            out[name] = col
    if out["sample_id"].isna().any():
        raise ModelError("every row needs a sample_id")
    return out


@dataclass
class GenotypeTable:
    """Genotypes of samples at loci, with allele tables and metadata.

    Parameters
    ----------
    call_genotype
        ``(samples, loci, ploidy)`` allele indices, ``-1`` missing.
    loci
        One :class:`Locus` per locus, in column order.
    samples
        Sample metadata (see :data:`SAMPLE_FIELDS`), or a list of sample ids.
    call_data
        Optional per-call arrays with leading dims ``(samples, loci)``, e.g.
        ``call_AD``, ``call_DP`` from VCF or ``call_size`` raw fragment sizes.
    attrs
        Free-form table attributes (title, source file, …).

    Examples
    --------
    >>> t = GenotypeTable.from_alleles(
    ...     [[[165, 169], [176, 200]], [[169, 169], [-1, -1]]],
    ...     ["FCA441", "F53"], sample_ids=["RU-0001", "RU-0002"])
    >>> t.loci[0].alleles
    (165, 169)
    >>> t.call_genotype[1].tolist()
    [[1, 1], [-1, -1]]
    >>> t.allele_values()[0].tolist()
    [[165, 169], [176, 200]]
    """

    call_genotype: np.ndarray
    loci: tuple[Locus, ...]
    samples: pd.DataFrame = None  # type: ignore[assignment]
    call_data: dict[str, np.ndarray] = field(default_factory=dict)
    attrs: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        g = np.asarray(self.call_genotype)
        if g.ndim != 3:
            raise ModelError(f"call_genotype must be (samples, loci, ploidy), got shape {g.shape}")
        if not np.issubdtype(g.dtype, np.integer):
            raise ModelError(f"call_genotype must hold integers, got {g.dtype}")
        self.call_genotype = np.ascontiguousarray(g, dtype=np.int16)
        self.loci = tuple(self.loci)
        if len(self.loci) != g.shape[1]:
            raise ModelError(f"{len(self.loci)} loci for {g.shape[1]} genotype columns")
        names = [locus.name for locus in self.loci]
        if len(set(names)) != len(names):
            dup = sorted({n for n in names if names.count(n) > 1})
            raise ModelError(f"duplicate locus names: {', '.join(dup)}")
        self.samples = normalise_samples(self.samples, g.shape[0])
        if (self.call_genotype < MISSING).any():
            raise ModelError("allele indices below -1 in call_genotype")
        for j, locus in enumerate(self.loci):
            if g.shape[0] and self.call_genotype[:, j].max(initial=MISSING) >= locus.n_alleles:
                raise ModelError(f"locus {locus.name}: allele index beyond its allele table")
        for key, arr in self.call_data.items():
            if np.shape(arr)[:2] != g.shape[:2]:
                raise ModelError(f"call_data[{key!r}] must start with dims (samples, loci)")

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_alleles(
        cls,
        values: Any,
        locus_names: Sequence[str],
        *,
        sample_ids: Sequence[str] | None = None,
        samples: pd.DataFrame | None = None,
        kinds: Sequence[str] | str = "STR",
        locus_info: Mapping[str, Mapping[str, Any]] | None = None,
        missing: Any = MISSING,
        call_data: dict[str, np.ndarray] | None = None,
        attrs: dict[str, Any] | None = None,
    ) -> GenotypeTable:
        """Build a table from allele *values* (bp sizes or SNP bases).

        Allele tables are made from the values seen: sorted ascending for
        ``STR``/``SEX`` loci, in order of first appearance for ``SNP`` loci
        unless ``locus_info[name]["alleles"]`` fixes the table (e.g. REF, ALT).
        ``missing`` marks missing values (``-1`` or ``None`` for numeric arrays).
        """
        raw = np.asarray(values)
        numeric = raw.dtype.kind in "iuf"
        arr = raw if numeric else np.asarray(values, dtype=object)
        if arr.ndim != 3:
            raise ModelError(f"allele values must be (samples, loci, ploidy), got {arr.shape}")
        n_loci = arr.shape[1]
        if len(locus_names) != n_loci:
            raise ModelError(f"{len(locus_names)} locus names for {n_loci} genotype columns")
        if isinstance(kinds, str):
            kinds = [kinds] * n_loci
        locus_info = dict(locus_info or {})
        calls = np.full(arr.shape, MISSING, dtype=np.int16)
        loci = []
        for j, name in enumerate(locus_names):
            info = dict(locus_info.get(name, {}))
            kind = info.pop("kind", kinds[j])
            fixed = tuple(info.pop("alleles")) if "alleles" in info else None
            col = arr[:, j, :]
            if numeric and kind != "SNP":
                # Vectorised path for allele sizes (the common, large case).
                is_missing = np.isnan(col) if col.dtype.kind == "f" else np.zeros(col.shape, bool)
                if missing is not None:
                    is_missing |= col == missing
                seen = col[~is_missing]
                if seen.size and col.dtype.kind == "f" and not np.all(seen == np.round(seen)):
                    raise ModelError(f"locus {name}: allele sizes must be whole numbers")
                seen = seen.astype(np.int64)
                table = tuple(int(a) for a in (fixed if fixed is not None else np.unique(seen)))
                locus = Locus(name, table, kind=kind, **info)
                sorted_table = np.asarray(locus.alleles, dtype=np.int64)
                order = np.argsort(sorted_table, kind="stable")
                pos = np.searchsorted(sorted_table[order], seen)
                pos = np.minimum(pos, max(len(order) - 1, 0))
                if seen.size and (not len(order) or np.any(sorted_table[order][pos] != seen)):
                    bad = seen[sorted_table[order][pos] != seen][0] if len(order) else seen[0]
                    raise ModelError(f"locus {name}: allele {int(bad)} is not in its allele table")
                calls[:, j, :][~is_missing] = order[pos] if seen.size else []
                loci.append(locus)
                continue
            is_missing = np.array(
                [v is None or v == missing or (isinstance(v, float) and np.isnan(v)) for v in col.flat],
                dtype=bool,
            ).reshape(col.shape)
            seen = col[~is_missing]
            if fixed is not None:
                table = fixed
            elif kind == "SNP":
                table = tuple(dict.fromkeys(str(v) for v in seen))
            else:
                table = tuple(sorted({int(v) for v in seen}))
            locus = Locus(name, table, kind=kind, **info)
            lookup = {a: i for i, a in enumerate(locus.alleles)}
            conv = str if kind == "SNP" else int
            for idx in zip(*np.nonzero(~is_missing), strict=True):
                value = conv(col[idx])
                if value not in lookup:
                    raise ModelError(f"locus {name}: allele {value!r} is not in its allele table")
                calls[idx[0], j, idx[1]] = lookup[value]
            loci.append(locus)
        if samples is None:
            samples = pd.DataFrame({"sample_id": list(sample_ids)}) if sample_ids is not None else None
        return cls(calls, tuple(loci), samples, dict(call_data or {}), dict(attrs or {}))

    # ------------------------------------------------------------------ shape
    @property
    def n_samples(self) -> int:
        return self.call_genotype.shape[0]

    @property
    def n_loci(self) -> int:
        return self.call_genotype.shape[1]

    @property
    def ploidy(self) -> int:
        return self.call_genotype.shape[2]

    @property
    def sample_id(self) -> np.ndarray:
        return self.samples["sample_id"].to_numpy(dtype=object)

    @property
    def locus_id(self) -> list[str]:
        return [locus.name for locus in self.loci]

    @property
    def has_replicates(self) -> bool:
        return bool(self.samples["replicate_id"].notna().any())

    @property
    def call_genotype_mask(self) -> np.ndarray:
        """True where an allele is missing."""
        return self.call_genotype < 0

    def locus(self, name: str) -> Locus:
        for locus in self.loci:
            if locus.name == name:
                return locus
        raise KeyError(name)

    def __repr__(self) -> str:
        return (
            f"GenotypeTable({self.n_samples} samples x {self.n_loci} loci, "
            f"ploidy {self.ploidy}, {'replicates' if self.has_replicates else 'no replicates'})"
        )

    # ------------------------------------------------------------------ views
    def allele_values(self, missing: int = MISSING) -> np.ndarray:
        """Genotypes as allele sizes (int32), ``missing`` where missing.

        Only for tables without SNP loci; SNP alleles are strings.
        """
        if any(locus.kind == "SNP" for locus in self.loci):
            raise ModelError("allele_values() needs numeric loci; this table has SNP loci")
        out = np.full(self.call_genotype.shape, missing, dtype=np.int32)
        for j, locus in enumerate(self.loci):
            if not locus.n_alleles:
                continue
            table = np.asarray(locus.alleles, dtype=np.int32)
            g = self.call_genotype[:, j]
            ok = g >= 0
            out[:, j][ok] = table[g[ok]]
        return out

    def allele_labels(self) -> np.ndarray:
        """Genotypes as allele labels (object array, ``None`` where missing)."""
        out = np.full(self.call_genotype.shape, None, dtype=object)
        for j, locus in enumerate(self.loci):
            g = self.call_genotype[:, j]
            for idx in zip(*np.nonzero(g >= 0), strict=True):
                out[idx[0], j, idx[1]] = locus.alleles[g[idx]]
        return out

    def to_allel(self):
        """scikit-allel ``GenotypeArray`` (variants, samples, ploidy) of allele indices."""
        import allel

        return allel.GenotypeArray(np.ascontiguousarray(self.call_genotype.transpose(1, 0, 2)))

    # ------------------------------------------------------------------ subsetting
    def subset(
        self,
        samples: Iterable[int] | np.ndarray | None = None,
        loci: Iterable[int | str] | None = None,
    ) -> GenotypeTable:
        """Rows and/or loci by position (or locus name); allele tables are kept."""
        if samples is None:
            rows = np.arange(self.n_samples)
        else:
            rows = np.asarray(samples if isinstance(samples, np.ndarray) else list(samples))
            if rows.dtype == bool:
                rows = np.nonzero(rows)[0]
            rows = rows.astype(np.intp)
        if loci is None:
            cols = np.arange(self.n_loci)
        else:
            names = self.locus_id
            cols = np.array([names.index(x) if isinstance(x, str) else int(x) for x in loci], dtype=np.intp)
        g = self.call_genotype[np.ix_(rows, cols)]
        meta = self.samples.iloc[rows].reset_index(drop=True)
        cd = {k: v[np.ix_(rows, cols)] for k, v in self.call_data.items()}
        return GenotypeTable(g, tuple(self.loci[i] for i in cols), meta, cd, dict(self.attrs))

    def with_samples(self, samples: pd.DataFrame) -> GenotypeTable:
        """A copy with new sample metadata (same number of rows)."""
        return replace(self, samples=samples, call_data=dict(self.call_data), attrs=dict(self.attrs))

    # ------------------------------------------------------------------ comparison
    def sorted_calls(self) -> np.ndarray:
        """Genotypes as labels with alleles ordered within each call (missing last)."""
        labels = self.allele_labels()
        out = np.empty_like(labels)
        for idx in np.ndindex(labels.shape[:2]):
            vals = [v for v in labels[idx] if v is not None]
            vals.sort(key=lambda v: (isinstance(v, str), v))
            vals += [None] * (self.ploidy - len(vals))
            out[idx] = vals
        return out

    def same_genotypes(self, other: GenotypeTable, ordered: bool = False) -> bool:
        """True when both tables hold the same genotypes as allele labels.

        Allele tables may be ordered differently; with ``ordered=False`` the
        order of alleles within a call does not matter.
        """
        if self.call_genotype.shape != other.call_genotype.shape:
            return False
        if self.locus_id != other.locus_id:
            return False
        if ordered:
            return bool((self.allele_labels() == other.allele_labels()).all())
        return bool((self.sorted_calls() == other.sorted_calls()).all())

    def describe_difference(self, other: GenotypeTable) -> str | None:
        """Human-readable first difference in genotypes or ids, ``None`` if equal."""
        if self.call_genotype.shape != other.call_genotype.shape:
            return f"shape {self.call_genotype.shape} != {other.call_genotype.shape}"
        if self.locus_id != other.locus_id:
            return f"loci {self.locus_id} != {other.locus_id}"
        if list(self.sample_id) != list(other.sample_id):
            return "sample ids differ"
        a, b = self.sorted_calls(), other.sorted_calls()
        for idx in np.ndindex(a.shape[:2]):
            if list(a[idx]) != list(b[idx]):
                return (
                    f"sample {self.sample_id[idx[0]]}, locus {self.locus_id[idx[1]]}: "
                    f"{list(a[idx])} != {list(b[idx])}"
                )
        return None

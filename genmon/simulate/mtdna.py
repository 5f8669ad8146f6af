"""Mitochondrial species-identification reads of simulated field samples.

Scat and hair samples are screened by sequencing a cytochrome *b* fragment
before they are genotyped (Waits & Paetkau 2005): the read tells the target
species (here the simulated leopards) from tigers, leopard cats, lynx,
village cats and carnivores that are not felids at all.  This module gives
each field sample one Sanger-like read drawn from *real* reference
sequences (a panel built by :func:`genmon.labqc.species.build_reference`,
e.g. from ``test_data/felid-cytb/``), and adds screened samples of other
species that never reach the microsatellite batch.

Model, per sample:

1. **Haplotype.** A sample of the simulated population carries its
   individual's haplotype, inherited along the mother line of the pedigree
   from a generation-0 founder, who draws it uniformly from ``haplotypes``
   (accessions of the target species; all its panel sequences when none are
   named).  A non-target sample carries a panel sequence of its species,
   drawn uniformly.  Species ``absent`` stands for a carnivore that is not in
   a felid panel (a fox or a marten): a random panel sequence with a fraction
   ``absent_divergence`` of its sites changed, further from every panel
   sequence than felid species are from each other.  Non-target samples are
   scats of a uniform quality class collected on a uniform day of the season.
2. **Failure.** With probability ``fail[quality]`` (always for a sample whose
   extract holds no DNA, a "dud" of the genotyping model) the reaction fails:
   the read is noise, random bases of Phred quality 2-6, which quality
   trimming removes.
3. **Read.** A window of ``read_length[quality]`` (uniform ``lo..hi``) bases
   at a uniform position of the haplotype, reverse-complemented with
   probability 1/2.  Phred qualities follow a Sanger trace: low over the
   first ``ramp`` bases (primer region and dye blobs), then about
   ``phred[quality]`` (normal, sd 4, clipped to 2..60), falling over the
   last ``ramp`` bases.  Each base is replaced by another base with its
   error probability ``10^(-Q/10)``; the errors are recorded in the truth.

Every draw comes from the generator passed in, so a seed gives the same reads.

References
----------
Waits LP, Paetkau D (2005) Noninvasive genetic sampling tools for wildlife
biologists: a review of applications and recommendations for accurate data
collection. Journal of Wildlife Management 69:1419-1433.

Ewing B, Green P (1998) Base-calling of automated sequencer traces using
phred. II. Error probabilities. Genome Research 8:186-194.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["MTDNA_DEFAULTS", "MtdnaReads", "resolve_mtdna", "simulate_mtdna_reads", "write_fastq"]

#: Defaults of :func:`simulate_mtdna_reads` (``non_target``: extra screened samples per species).
MTDNA_DEFAULTS: dict[str, Any] = {
    "target_species": "Panthera pardus",
    "haplotypes": [],
    "non_target": {"Panthera tigris": 8, "Prionailurus bengalensis": 10, "Lynx lynx": 2, "Felis catus": 3,
                   "absent": 4},
    "absent_divergence": 0.18,
    "fail": {"high": 0.02, "medium": 0.06, "low": 0.25},
    "read_length": {"high": [450, 650], "medium": [300, 500], "low": [150, 320]},
    "phred": {"high": 40.0, "medium": 32.0, "low": 24.0},
    "ramp": 25,
}

_BASES = np.frombuffer(b"ACGT", dtype=np.uint8)
_COMPLEMENT = bytes.maketrans(b"ACGTN", b"TGCAN")


@dataclass
class MtdnaReads:
    """Reads and their truth.

    Attributes
    ----------
    reads
        ``sample_id, sequence, quality`` (Phred values as a list per read).
    truth
        ``sample_id, individual_id, species, haplotype, outcome (read,
        failed), strand, start, length, errors, quality, sample_type, date``;
        ``individual_id`` is empty for non-target samples, ``haplotype`` the
        accession (``absent``: the accession it was diverged from, with
        ``~``).
    """

    reads: pd.DataFrame
    truth: pd.DataFrame


def resolve_mtdna(**overrides: Any) -> dict[str, Any]:
    """:data:`MTDNA_DEFAULTS` with ``overrides`` (unknown names refused with ValueError).

    Examples
    --------
    >>> resolve_mtdna(non_target={"Panthera tigris": 2})["non_target"]
    {'Panthera tigris': 2}
    """
    unknown = sorted(set(overrides) - set(MTDNA_DEFAULTS))
    if unknown:
        raise ValueError(f"unknown mtDNA simulation parameters: {', '.join(unknown)}")
    out = json.loads(json.dumps(MTDNA_DEFAULTS))
    out.update(json.loads(json.dumps(overrides)))
    if not 0.0 < float(out["absent_divergence"]) < 0.75:
        raise ValueError(f"absent_divergence must be in (0, 0.75), got {out['absent_divergence']}")
    if any(int(n) < 0 for n in out["non_target"].values()):
        raise ValueError("non_target counts must be >= 0")
    return out


def _maternal_founder(pedigree: pd.DataFrame, ids: np.ndarray) -> np.ndarray:
    """The generation-0 ancestor of each id along the mother line."""
    mother = dict(zip(pedigree["id"].astype(str), pedigree["mother"], strict=True))
    out = []
    for i in ids:
        cur = str(i)
        while isinstance(mother.get(cur), str) and mother[cur]:
            cur = mother[cur]
        out.append(cur)
    return np.asarray(out, dtype=object)


def _phred(length: int, level: float, ramp: int, rng: np.random.Generator) -> np.ndarray:
    q = rng.normal(level, 4.0, length)
    r = min(ramp, length // 3)
    if r:
        rise = np.linspace(0.3, 1.0, r)
        q[:r] *= rise
        q[length - r :] *= rise[::-1]
    return np.clip(np.rint(q), 2, 60).astype(np.int64)


def _mutate(seq: bytes, p: np.ndarray, rng: np.random.Generator) -> tuple[bytes, int]:
    """Replace each base with probability ``p`` by one of the three others."""
    arr = np.frombuffer(seq, dtype=np.uint8).copy()
    hit = rng.random(arr.size) < p
    shift = rng.integers(1, 4, arr.size)
    code = np.searchsorted(_BASES, arr)
    known = np.isin(arr, _BASES)
    hit &= known
    arr[hit] = _BASES[(code[hit] + shift[hit]) % 4]
    return arr.tobytes(), int(hit.sum())


def simulate_mtdna_reads(
    samples: pd.DataFrame,
    truth_samples: pd.DataFrame,
    pedigree: pd.DataFrame,
    panel,
    rng: np.random.Generator,
    **parameters: Any,
) -> MtdnaReads:
    """One cytochrome *b* read per field sample, and extra non-target samples.

    Parameters
    ----------
    samples
        The field sample sheet (``sample_id, sample_type, date, site,
        country``) of the simulated population's samples.
    truth_samples
        ``sample_id, individual_id, quality, dud`` of the same samples.
    pedigree
        ``id, mother`` (the mother line gives the haplotypes).
    panel
        A :class:`genmon.labqc.species.ReferencePanel` with the target and
        the non-target species.
    rng
        Random generator.
    **parameters
        Overrides of :data:`MTDNA_DEFAULTS` (see the module docstring).

    Returns
    -------
    MtdnaReads
        Reads (target samples in sample-sheet order, then the non-target
        ones) and truth.  Non-target samples are numbered per site after the
        last sample of the sheet (``RU-LLNP-2024-0250`` ...).

    Examples
    --------
    >>> from genmon.labqc.species import ReferencePanel
    >>> panel = ReferencePanel(["P1", "T1"], ["Panthera pardus", "Panthera tigris"], ["ACGT" * 200, "AGCT" * 200])
    >>> sheet = pd.DataFrame({"sample_id": ["RU-LLNP-2024-0001"], "sample_type": ["scat"], "date": ["2024-01-10"],
    ...                       "site": ["LLNP"], "country": ["RU"]})
    >>> truth = pd.DataFrame({"sample_id": ["RU-LLNP-2024-0001"], "individual_id": ["A"], "quality": ["high"],
    ...                       "dud": [False]})
    >>> r = simulate_mtdna_reads(sheet, truth, pd.DataFrame({"id": ["A"], "mother": [None]}), panel,
    ...                          np.random.default_rng(1), non_target={"Panthera tigris": 1}, fail={"high": 0.0})
    >>> r.truth[["sample_id", "species", "haplotype", "outcome"]].values.tolist()
    [['RU-LLNP-2024-0001', 'Panthera pardus', 'P1', 'read'], ['RU-LLNP-2024-0002', 'Panthera tigris', 'T1', 'read']]
    """
    p = resolve_mtdna(**parameters)
    by_species: dict[str, list[int]] = {}
    for k, sp in enumerate(panel.species):
        by_species.setdefault(sp, []).append(k)
    target = p["target_species"]
    if p["haplotypes"]:
        index = {a: k for k, a in enumerate(panel.accession)}
        lacking = [a for a in p["haplotypes"] if a not in index]
        if lacking:
            raise ValueError(f"haplotypes not in the panel: {', '.join(lacking)}")
        pool = [index[a] for a in p["haplotypes"]]
    else:
        pool = by_species.get(target, [])
    if not pool:
        raise ValueError(f"no reference sequence of the target species {target} in the panel")
    for sp in p["non_target"]:
        if sp != "absent" and sp not in by_species:
            raise ValueError(f"no reference sequence of the non-target species {sp} in the panel")

    # Haplotypes of the target samples: founders draw, the mother line inherits.
    founders = _maternal_founder(pedigree, truth_samples["individual_id"].to_numpy(dtype=object))
    founder_ids = sorted(set(founders))
    drawn = dict(zip(founder_ids, rng.choice(pool, size=len(founder_ids)), strict=True))
    meta = samples.set_index("sample_id")
    rows = [
        {"sample_id": s, "individual_id": i, "species": target, "ref": int(drawn[f]), "absent": False,
         "quality": q, "dud": bool(d), "sample_type": meta.loc[s, "sample_type"], "date": meta.loc[s, "date"]}
        for s, i, f, q, d in zip(truth_samples["sample_id"], truth_samples["individual_id"], founders,
                                 truth_samples["quality"], truth_samples["dud"], strict=True)
    ]  # fmt: skip

    # Non-target samples: numbered per site after the sheet's last serial.
    serial = samples["sample_id"].str.rsplit("-", n=1).str[1].astype(int)
    prefix = samples["sample_id"].str.rsplit("-", n=1).str[0]
    next_serial = {pre: int(serial[prefix == pre].max()) + 1 for pre in sorted(set(prefix))}
    prefixes = sorted(next_serial)
    dates = sorted(samples["date"].astype(str))
    start, end = np.datetime64(dates[0]), np.datetime64(dates[-1])
    qualities = sorted(set(p["fail"]) | set(p["read_length"]))
    extra = []
    for sp, n in p["non_target"].items():
        for _ in range(int(n)):
            if sp == "absent":
                ref = int(rng.integers(len(panel)))
            else:
                ref = int(rng.choice(by_species[sp]))
            pre = prefixes[int(rng.integers(len(prefixes)))]
            day = start + np.timedelta64(int(rng.integers(0, int((end - start).astype(int)) + 1)), "D")
            extra.append({"pre": pre, "individual_id": "", "species": sp, "ref": ref, "absent": sp == "absent",
                          "quality": qualities[int(rng.integers(len(qualities)))], "dud": False,
                          "sample_type": "scat", "date": str(day)})
    for rec in sorted(extra, key=lambda r: (r["pre"], r["date"])):  # numbered in order of collection
        pre = rec.pop("pre")
        rec["sample_id"] = f"{pre}-{next_serial[pre]:04d}"
        next_serial[pre] += 1
        rows.append(rec)

    reads, truth = [], []
    for rec in rows:
        ref_seq = panel.sequence[rec["ref"]].encode("ascii")
        haplotype = panel.accession[rec["ref"]]
        if rec["absent"]:
            ref_seq, _ = _mutate(ref_seq, np.full(len(ref_seq), float(p["absent_divergence"])), rng)
            haplotype = "~" + haplotype
        q = rec["quality"]
        failed = rec["dud"] or rng.random() < float(p["fail"].get(q, 0.0))
        lo, hi = p["read_length"][q]
        length = min(int(rng.integers(int(lo), int(hi) + 1)), len(ref_seq))
        if failed:
            seq = _BASES[rng.integers(0, 4, length)].tobytes()
            qual = rng.integers(2, 7, length)
            strand, begin, errors = "", 0, 0
        else:
            begin = int(rng.integers(0, len(ref_seq) - length + 1))
            window = ref_seq[begin : begin + length]
            strand = "-" if rng.random() < 0.5 else "+"
            if strand == "-":
                window = window.translate(_COMPLEMENT)[::-1]
            qual = _phred(length, float(p["phred"][q]), int(p["ramp"]), rng)
            seq, errors = _mutate(window, 10.0 ** (-qual / 10.0), rng)
        reads.append((rec["sample_id"], seq.decode("ascii"), qual.tolist()))
        truth.append({"sample_id": rec["sample_id"], "individual_id": rec["individual_id"],
                      "species": rec["species"], "haplotype": haplotype, "outcome": "failed" if failed else "read",
                      "strand": strand, "start": begin, "length": length, "errors": errors, "quality": q,
                      "sample_type": rec["sample_type"], "date": rec["date"]})  # fmt: skip
    return MtdnaReads(pd.DataFrame(reads, columns=["sample_id", "sequence", "quality"]), pd.DataFrame(truth))


def write_fastq(reads: pd.DataFrame, path) -> None:
    """Write reads as FASTQ (Phred+33), one record per sample, named by the sample id."""
    with open(path, "w", encoding="ascii", newline="\n") as fh:
        for sample, seq, qual in zip(reads["sample_id"], reads["sequence"], reads["quality"], strict=True):
            fh.write(f"@{sample}\n{seq}\n+\n{''.join(chr(33 + int(x)) for x in qual)}\n")

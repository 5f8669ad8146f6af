"""Species identification of scat and hair samples from mitochondrial sequences.

A reference panel is built from GenBank records and mitogenome FASTA files
(:func:`build_reference`).  Each panel sequence carries the mitochondrial
*region* it covers: ``cytb`` (the cytochrome *b* gene of a GenBank record) or
``mitogenome`` (a complete mitochondrial genome, from a FASTA record or a
complete-genome GenBank record), so that reads from any part of the
mitogenome, not only from cytochrome *b*, have references to be called
against.  Each query sequence (FASTA, FASTQ, Sanger ``.ab1`` trace, or the
consensus of the reads of a BAM) is aligned to the closest reference
sequences and called to the species of its best hit.

A BAM is turned into one query per covered region: its majority consensus is
cut at every run of at least ``max_gap`` uncovered positions, and the blocks
of one sample are called together, identity being the matches over the
aligned columns of all blocks (each block aligned to the best reference of
each species).  Shorter runs of uncovered positions stay inside a block as
``N``, which match any base in the alignment and are not counted.  The
default ``max_gap`` of 50 bp cuts the real tiger BAM of ``test_data`` into
three blocks (12S/16S rRNA, COX1, ATP6-COX3).

Alignment: semi-global (the shorter sequence wholly inside the longer one,
free end gaps in the longer) edit-distance alignment with edlib, both strands
of the query.  *Percent identity* is matches / (matches + mismatches + gap
columns) over the aligned columns where the query has a base (``N`` columns
are not counted: a BAM consensus has ``N`` where no read covers it); the
*alignment length* is that number of columns.  The *margin* is the best
identity minus the best identity of any other species.  A call is
``uncertain`` when the identity is below ``min_identity``, the margin below
``min_margin`` or the alignment shorter than ``min_length``.

Species are named by the first two words of the GenBank organism (so
*Panthera pardus orientalis* is *Panthera pardus*); :data:`GROUPS` maps them
to the groups the lab reports (tiger, leopard, leopard cat, lynx, other).

References
----------
Waits LP, Paetkau D (2005) Noninvasive genetic sampling tools for wildlife
biologists: a review of applications and recommendations for accurate data
collection. Journal of Wildlife Management 69:1419-1433.

Šošić M, Šikić M (2017) Edlib: a C/C++ library for fast, exact sequence
alignment using edit distance. Bioinformatics 33:1394-1395.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..exceptions import InputError, Problem, ProblemLog

__all__ = [
    "GROUPS",
    "ReferencePanel",
    "build_reference",
    "write_reference",
    "read_reference",
    "read_queries",
    "bam_consensus",
    "identify_species",
    "load_panel",
    "call_species_files",
    "write_reference_file",
]

#: Species (binomial) -> reported group; any other species is "other".
GROUPS = {
    "Panthera tigris": "tiger",
    "Panthera pardus": "leopard",
    "Prionailurus bengalensis": "leopard cat",
    "Lynx lynx": "lynx",
    "Lynx pardinus": "lynx",
    "Lynx canadensis": "lynx",
    "Lynx rufus": "lynx",
}
_GENE_NAMES = {"cytb", "cyt b", "cob", "mt-cyb", "cytochrome b"}
#: Old genus names still used by GenBank records -> the current binomial.
SYNONYMS = {"Uncia uncia": "Panthera uncia"}
#: A GenBank record at least this long is a (near-)complete mitogenome.
MITOGENOME_MIN_LENGTH = 14000
_FASTA_SUFFIXES = (".fa", ".fasta", ".fna", ".fas")
_N_MATCHES_ANY = [("N", b) for b in "ACGT"]
_DNA = re.compile(r"[^ACGTURYSWKMBDHVN]")
_COMPLEMENT = str.maketrans("ACGTRYSWKMBDHVN", "TGCAYRSWMKVHDBN")


_FIELDS = ("accession", "species", "sequence", "region")


@dataclass
class ReferencePanel:
    """Reference sequences with their accession, species and mitochondrial region."""

    accession: list[str]
    species: list[str]
    sequence: list[str]
    region: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.region:  # panels written before regions existed are cytochrome b panels
            self.region = ["cytb"] * len(self.accession)

    def __len__(self) -> int:
        return len(self.accession)

    def without(self, index: int) -> ReferencePanel:
        keep = [i for i in range(len(self)) if i != index]
        return ReferencePanel(*([getattr(self, f)[i] for i in keep] for f in _FIELDS))


def _concat(panels: Sequence[ReferencePanel]) -> ReferencePanel:
    return ReferencePanel(*(sum((getattr(x, f) for x in panels), []) for f in _FIELDS))


def _species_name(organism: str) -> str:
    words = organism.replace("[", "").replace("]", "").split()
    name = " ".join(words[:2]) if len(words) >= 2 else organism.strip()
    return SYNONYMS.get(name, name)


_FASTA_ID = re.compile(r"^(?:gi\|\d+\|[a-z]+\|)?([A-Za-z0-9_.]+)\|?(?:/\d+-\d+)?$")


def _mitogenome_fasta(path: Path) -> ReferencePanel:
    """Whole-mitogenome references from a FASTA file of NCBI records.

    The accession is the first word of the header (``gi|…|ref|ACC|`` headers
    give ``ACC``) and the species the next two words.
    """
    log = ProblemLog(str(path))
    acc, species, seqs = [], [], []
    records = _read_fasta(path, log)
    for header, seq, line in records:
        first, _, rest = header.partition(" ")
        m = _FASTA_ID.match(first)
        words = rest.split()
        sample = m.group(1) if m else first
        if m is None or len(words) < 2:
            log.error(f'header "{header}"', '">ACCESSION Genus species ..."', line=line, sample=sample)
            continue
        bad = sorted(set(_DNA.findall(seq)))
        if bad:
            log.error(f"non-DNA letters {', '.join(bad)}", "A, C, G, T, N or IUPAC codes", line=line,
                      sample=sample)
            continue
        acc.append(sample)
        species.append(_species_name(" ".join(words[:2])))
        seqs.append(seq)
    if not records:
        log.error("no sequences", "FASTA records of mitochondrial genomes")
    log.raise_if_any()
    return ReferencePanel(acc, species, seqs, ["mitogenome"] * len(acc))


def build_reference(paths: str | Path | Iterable[str | Path]) -> ReferencePanel:
    """A reference panel from GenBank flat files and mitogenome FASTA files.

    From a GenBank record the ``CDS`` (or ``gene``) feature whose gene or
    product names cytochrome *b* (any case: ``cytb``, ``CYTB``, ``cob``, ...)
    is extracted (region ``cytb``); a record without one is used whole (region
    ``record``).  A
    record of at least :data:`MITOGENOME_MIN_LENGTH` bp is also kept whole as
    region ``mitogenome``.  Every record of a FASTA file (``.fa``, ``.fasta``,
    ``.fna``, ``.fas``) is a complete mitogenome, named by the accession and
    species of its NCBI header (:func:`_mitogenome_fasta`).

    Examples
    --------
    >>> p = build_reference("test_data/felid-cytb/amur_leopard_cytb_AB817078_AB817079.gb")
    >>> sorted(p.accession), p.species, [len(s) for s in p.sequence]
    (['AB817078.1', 'AB817079.1'], ['Panthera pardus', 'Panthera pardus'], [846, 846])
    """
    from Bio import SeqIO

    if isinstance(paths, str | Path):
        paths = [paths]
    acc, species, seqs, regions = [], [], [], []
    fasta_panels = []
    for path in paths:
        path = Path(path)
        if path.suffix.lower() in _FASTA_SUFFIXES:
            fasta_panels.append(_mitogenome_fasta(path))
            continue
        try:
            records = list(SeqIO.parse(str(path), "genbank"))
        except (ValueError, OSError) as exc:
            raise InputError(Problem(f"an unreadable GenBank file ({exc})", "GenBank flat-file records",
                                     str(path))) from None
        if not records:
            raise InputError(Problem("no GenBank records", "GenBank flat-file records", str(path)))
        for rec in records:
            seq = None
            for ftype in ("CDS", "gene"):
                for feat in rec.features:
                    if feat.type != ftype:
                        continue
                    names = feat.qualifiers.get("gene", []) + feat.qualifiers.get("product", [])
                    if any(n.strip().lower() in _GENE_NAMES for n in names):
                        seq = str(feat.extract(rec.seq))
                        break
                if seq is not None:
                    break
            whole = str(rec.seq).upper()
            name = _species_name(rec.annotations.get("organism", rec.description))
            entries = [] if seq is None else [(seq.upper(), "cytb")]
            if len(whole) >= MITOGENOME_MIN_LENGTH:
                entries.append((whole, "mitogenome"))
            if not entries:  # a short record without a cytochrome b feature: the record as it is
                entries.append((whole, "record"))
            for sequence, region in entries:
                acc.append(rec.id)
                species.append(name)
                seqs.append(sequence)
                regions.append(region)
    return _concat([ReferencePanel(acc, species, seqs, regions), *fasta_panels])


def write_reference(panel: ReferencePanel, path: str | Path) -> None:
    """Write the panel as FASTA, ``>ACCESSION species=Genus species region=REGION``."""
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for a, s, seq, r in zip(panel.accession, panel.species, panel.sequence, panel.region, strict=True):
            fh.write(f">{a} species={s} region={r}\n")
            for i in range(0, len(seq), 70):
                fh.write(seq[i : i + 70] + "\n")


def _read_fasta(path: Path, log: ProblemLog) -> list[tuple[str, str, int]]:
    """(id, sequence, header line) of each FASTA record, sequences checked for DNA letters."""
    out: list[tuple[str, str, int]] = []
    name, parts, start = None, [], 0
    text = path.read_text(encoding="utf-8", errors="replace")
    lines = text.splitlines()
    for n, line in enumerate(lines, start=1):
        if line.startswith(">"):
            if name is not None:
                out.append((name, "".join(parts), start))
            header = line[1:].strip()
            name, parts, start = header, [], n
        elif line.strip():
            if name is None:
                log.error("sequence before the first '>' header", "FASTA", line=n)
                continue
            parts.append(line.strip().upper())
    if name is not None:
        out.append((name, "".join(parts), start))
    return out


def read_reference(path: str | Path) -> ReferencePanel:
    """Read a panel written by :func:`write_reference`."""
    path = Path(path)
    log = ProblemLog(str(path))
    recs = _read_fasta(path, log)
    acc, species, seqs, regions = [], [], [], []
    for header, seq, line in recs:
        m = re.match(r"(\S+)\s+species=(.+?)(?:\s+region=(\S+))?$", header)
        if not m:
            log.error(f'header "{header}"', '">ACCESSION species=Genus species region=REGION"', line=line)
            continue
        acc.append(m.group(1))
        species.append(m.group(2).strip())
        seqs.append(seq)
        regions.append(m.group(3) or "cytb")
    if not recs:
        log.error("no sequences", "a FASTA reference panel")
    log.raise_if_any()
    return ReferencePanel(acc, species, seqs, regions)


def _mott_trim(quals: Sequence[int], cutoff: float = 0.05) -> tuple[int, int]:
    """Mott's modified trimming: the segment maximising the sum of (cutoff - P(error))."""
    score = cutoff - 10.0 ** (-np.asarray(quals, dtype=np.float64) / 10.0)
    best, best_start, best_end, cur, cur_start = 0.0, 0, 0, 0.0, 0
    for i, s in enumerate(score):
        if cur <= 0:
            cur, cur_start = 0.0, i
        cur += s
        if cur > best:
            best, best_start, best_end = cur, cur_start, i + 1
    return best_start, best_end


def bam_consensus(path: str | Path, min_depth: int = 2, min_base_quality: int = 13) -> list[tuple[str, str]]:
    """Majority-base consensus of a BAM's reads per reference sequence with coverage.

    A position is ``N`` unless at least ``min_depth`` reads with base quality
    ``>= min_base_quality`` cover it and one base has more than half of them.
    Returns ``(contig, sequence)`` pairs.
    """
    import pysam

    path = Path(path)
    try:
        bam = pysam.AlignmentFile(str(path), "rb")
    except (ValueError, OSError) as exc:
        raise InputError(Problem(f"an unreadable BAM file ({exc})", "a BAM file", str(path))) from None
    out = []
    with bam:
        for contig, length in zip(bam.references, bam.lengths, strict=True):
            try:
                cov = np.array(bam.count_coverage(contig, 0, length, quality_threshold=min_base_quality,
                                                  read_callback="all"))
            except (ValueError, OSError) as exc:
                raise InputError(Problem(f"an unreadable BAM file ({exc})", "a BAM file", str(path))) from None
            depth = cov.sum(axis=0)
            if not (depth >= min_depth).any():
                continue
            top = cov.argmax(axis=0)
            ok = (depth >= min_depth) & (cov.max(axis=0) * 2 > depth)
            seq = np.where(ok, np.array(list("ACGT"))[top], "N")
            out.append((contig, "".join(seq.tolist())))
    if not out:
        raise InputError(Problem(f"no position covered by {min_depth} reads", "reads mapped to a reference",
                                 str(path)))
    return out


def covered_blocks(seq: str, max_gap: int = 50, min_block: int = 20) -> list[tuple[int, int]]:
    """``[start, end)`` of the covered blocks of a consensus (``N`` = not covered).

    Blocks are separated by runs of at least ``max_gap`` ``N``; shorter runs
    stay inside a block.  Blocks with fewer than ``min_block`` covered bases
    are dropped.

    Examples
    --------
    >>> covered_blocks("NNACGTNACGT" + "N" * 5 + "GGCCA", max_gap=5, min_block=3)
    [(2, 11), (16, 21)]
    """
    covered = np.frombuffer(seq.encode("ascii"), dtype=np.uint8) != ord("N")
    idx = np.flatnonzero(covered)
    if idx.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(idx) > max_gap)
    starts = np.concatenate([[idx[0]], idx[breaks + 1]])
    ends = np.concatenate([idx[breaks], [idx[-1]]]) + 1
    out = []
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        if int(covered[a:b].sum()) >= min_block:
            out.append((a, b))
    return out


def read_queries(paths: str | Path | Iterable[str | Path], min_quality: int = 20, max_gap: int = 50) -> pd.DataFrame:
    """Query sequences from FASTA, FASTQ, ``.ab1`` traces or BAM files.

    FASTQ reads and ``.ab1`` traces are quality-trimmed (Mott's algorithm,
    error-probability cutoff 0.05, i.e. about Phred 13); BAM files give the
    consensus of their reads (:func:`bam_consensus`), named after the file,
    one row per covered block (:func:`covered_blocks` with ``max_gap``),
    whose ``query_region`` is ``contig:start-end`` (1-based, inclusive).
    Letters other than DNA/IUPAC codes are an error naming the file, line and
    sample.

    Returns
    -------
    pandas.DataFrame
        ``sample``, ``sequence``, ``source``, ``query_region`` (None except
        for BAM blocks).
    """
    from Bio import SeqIO

    if isinstance(paths, str | Path):
        paths = [paths]
    rows = []
    problems: list[Problem] = []
    for path in paths:
        path = Path(path)
        log = ProblemLog(str(path))
        suffix = path.suffix.lower()
        if not path.exists():
            raise InputError(Problem("no such file", "an existing file", str(path)))
        if suffix == ".bam":
            for contig, seq in bam_consensus(path):
                for start, end in covered_blocks(seq, max_gap=max_gap):
                    rows.append((path.stem, seq[start:end], str(path), f"{contig}:{start + 1}-{end}"))
            continue
        if suffix in (".ab1", ".abi", ".ab"):
            try:
                rec = SeqIO.read(str(path), "abi")
                quals = rec.letter_annotations["phred_quality"]
            except Exception as exc:  # Biopython raises several kinds on broken traces
                problems.append(Problem(f"a truncated or unreadable ABI trace ({exc.__class__.__name__})",
                                        "a complete .ab1 file", str(path), sample=path.stem))
                continue
            a, b = _mott_trim(quals)
            rows.append((rec.id or path.stem, str(rec.seq)[a:b].upper(), str(path), None))
            continue
        if suffix in (".fastq", ".fq"):
            try:
                recs = list(SeqIO.parse(str(path), "fastq"))
            except ValueError as exc:
                raise InputError(Problem(f"a malformed FASTQ file ({exc})", "FASTQ records", str(path))) from None
            for k, rec in enumerate(recs):
                seq = str(rec.seq).upper()
                bad = sorted(set(_DNA.findall(seq)))
                if bad:
                    log.error(f"non-DNA letters {', '.join(bad)}", "A, C, G, T, N or IUPAC codes",
                              line=4 * k + 2, sample=rec.id)
                    continue
                a, b = _mott_trim(rec.letter_annotations["phred_quality"])
                rows.append((rec.id, seq[a:b], str(path), None))
            problems.extend(log.problems)
            continue
        for name, seq, line in _read_fasta(path, log):
            sample = name.split()[0] if name else f"record at line {line}"
            bad = sorted(set(_DNA.findall(seq)))
            if bad:
                log.error(f"non-DNA letters {', '.join(bad)}", "A, C, G, T, N or IUPAC codes", line=line,
                          sample=sample)
                continue
            if not seq:
                log.error("an empty sequence", "a DNA sequence", line=line, sample=sample)
                continue
            rows.append((sample, seq, str(path), None))
        problems.extend(log.problems)
    if problems:
        raise InputError(problems)
    return pd.DataFrame(rows, columns=["sample", "sequence", "source", "query_region"])


def _identity(query: str, ref: str) -> tuple[float, int, int]:
    """(identity, aligned columns, edit distance) of the semi-global alignment (see module docs)."""
    import edlib

    short, long_, q_is_short = (query, ref, True) if len(query) <= len(ref) else (ref, query, False)
    if not short:
        return 0.0, 0, 0
    r = edlib.align(short, long_, mode="HW", task="path", additionalEqualities=_equalities(query))
    if r["editDistance"] < 0:
        return 0.0, 0, 0
    start = r["locations"][0][0]
    i, j = 0, start  # positions in short and long
    match = mism = gaps = 0
    for n, op in re.findall(r"(\d+)([=XID])", r["cigar"]):
        n = int(n)
        if op in "=X":
            qs = short[i : i + n] if q_is_short else long_[j : j + n]
            covered = sum(1 for c in qs if c != "N")
            if op == "=":
                match += covered
            else:
                mism += covered
            i += n
            j += n
        elif op == "I":  # in short, not in long
            if q_is_short:
                gaps += sum(1 for c in short[i : i + n] if c != "N")
            else:
                gaps += n
            i += n
        else:  # D: in long, not in short
            if q_is_short:
                gaps += n
            else:
                gaps += sum(1 for c in long_[j : j + n] if c != "N")
            j += n
    cols = match + mism + gaps
    return (match / cols if cols else 0.0), cols, int(r["editDistance"])


def _equalities(query: str) -> list[tuple[str, str]]:
    """An uncovered ``N`` of a query matches any base (its columns are not counted)."""
    return _N_MATCHES_ANY if "N" in query else []


_K = 11


def _kmers(seq: str) -> set[str]:
    return {seq[i : i + _K] for i in range(len(seq) - _K + 1)} - {"N" * _K}


def _prepare(panel: ReferencePanel):
    """Distinct reference sequences and an inverted 11-mer index (cached on the panel)."""
    key = (len(panel), id(panel.sequence))
    cached = getattr(panel, "_prepared", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    uniq: dict[str, list[int]] = {}
    for k, seq in enumerate(panel.sequence):
        uniq.setdefault(seq, []).append(k)
    ref_seqs = list(uniq)
    lists: dict[str, list[int]] = {}
    for r, rs in enumerate(ref_seqs):
        for km in _kmers(rs):
            lists.setdefault(km, []).append(r)
    index = {km: np.asarray(v, dtype=np.int64) for km, v in lists.items()}
    out = (uniq, ref_seqs, index)
    panel._prepared = (key, out)  # type: ignore[attr-defined]
    return out


def _window(query: str, ref: str, n_probes: int = 8) -> str:
    """The stretch of a long reference (a mitogenome) where a short query lies.

    Up to ``n_probes`` 11-mers spread along the query are looked up in the
    reference; the median of (reference position - query position) places the
    query, and the query's length plus a margin of 50 bp + 10% on each side
    is returned.  A reference less than three times the query's length, or
    one sharing none of the probes, is returned whole.  The semi-global
    alignment in the window is the alignment in the whole reference unless
    another placement is as good, which the probes rule out.
    """
    if len(ref) <= 3 * len(query) + 400:
        return ref
    step = max(1, (len(query) - _K) // max(1, n_probes - 1))
    offsets = []
    for qpos in range(0, max(1, len(query) - _K + 1), step):
        km = query[qpos : qpos + _K]
        if "N" in km:
            continue
        pos = ref.find(km)
        if pos >= 0:
            offsets.append(pos - qpos)
    if not offsets:
        return ref
    offset = int(np.median(offsets))
    pad = 50 + len(query) // 10
    return ref[max(0, offset - pad) : max(0, offset + len(query) + pad)]


def _revcomp(seq: str) -> str:
    return seq.translate(_COMPLEMENT)[::-1]


def _candidates(seq: str, panel: ReferencePanel, prepared, usable,
                n_prefilter: int) -> dict[str, list[tuple[float, str, str]]]:
    """Species -> (approximate identity, reference, strand) of the k-mer-closest references, both strands."""
    import edlib

    uniq, ref_seqs, index = prepared
    approx: dict[str, list[tuple[float, str, str]]] = {}
    strands = []
    for strand, q in (("+", seq), ("-", _revcomp(seq))):
        hits = [index[k] for k in _kmers(q) if k in index]
        shared = (np.bincount(np.concatenate(hits), minlength=len(ref_seqs)) if hits
                  else np.zeros(len(ref_seqs), dtype=np.int64))
        if usable is not None:
            shared[usable == 0] = 0
        strands.append((strand, q, shared))
    # References sharing under 5% of the best count of 11-mers (over both strands) hold chance
    # matches only (a 17-kb mitogenome shares a few with any sequence, either strand): not aligned.
    floor = max(1, int(np.ceil(0.05 * max(int(sh.max()) for _, _, sh in strands))))
    for strand, q, shared in strands:
        if not shared.any():
            continue
        equal = _equalities(q)
        for idx in np.argsort(-shared, kind="stable")[:n_prefilter]:
            if shared[idx] < floor:
                break
            rs = ref_seqs[idx]
            if not uniq[rs]:
                continue
            short, long_ = (q, _window(q, rs)) if len(q) <= len(rs) else (rs, q)
            if not short:
                continue
            d = edlib.align(short, long_, mode="HW", task="distance", additionalEqualities=equal)["editDistance"]
            score = 1.0 - d / len(short)
            for sp in sorted({panel.species[k] for k in uniq[rs]}):
                approx.setdefault(sp, []).append((score, rs, strand))
    return approx


def _shortlist(approx: dict[str, list[tuple[float, str, str]]], n_species: int) -> list[str]:
    return [sp for sp, _ in sorted(approx.items(), key=lambda kv: -max(x[0] for x in kv[1]))[:n_species]]


def _best_alignments(seq: str, approx, species: Iterable[str], panel: ReferencePanel, uniq, min_length: int,
                     n_refs: int) -> dict[str, tuple[int, int, str, str, str]]:
    """Species -> (matches, columns, accession, strand, region) of its best fully aligned reference."""
    best: dict[str, tuple[int, int, str, str, str]] = {}
    strands = [strand for hits in approx.values() for _, _, strand in hits]
    main_strand = max(("+", "-"), key=strands.count) if strands else "+"
    for sp in species:
        hits = approx.get(sp)
        if not hits:  # no k-mer in common in this block: align its longest references anyway
            own = sorted((rs for rs, ks in uniq.items() if any(panel.species[k] == sp for k in ks)), key=len,
                         reverse=True)
            hits = [(0.0, rs, main_strand) for rs in own[:n_refs]]
        for _, rs, strand in sorted(hits, key=lambda x: -x[0])[:n_refs]:
            q = seq if strand == "+" else _revcomp(seq)
            ident, cols, _ = _identity(q, _window(q, rs) if len(q) <= len(rs) else rs)
            if cols < min_length:
                continue
            matches = round(ident * cols)
            k = next(k for k in uniq[rs] if panel.species[k] == sp)
            cur = best.get(sp)
            if cur is None or (matches / cols, cols) > (cur[0] / cur[1], cur[1]):
                best[sp] = (matches, cols, panel.accession[k], strand, panel.region[k])
    return best


def _query_groups(queries: pd.DataFrame) -> list[tuple[str, str | None, list[str], list[str | None]]]:
    """(sample, source, sequences, query regions): consecutive BAM blocks of one sample and source together."""
    n = len(queries)
    regions = queries["query_region"] if "query_region" in queries else pd.Series([None] * n)
    sources = queries["source"] if "source" in queries else pd.Series([None] * n)
    groups: list[tuple[str, str | None, list[str], list[str | None]]] = []
    for sample, seq, source, region in zip(queries["sample"], queries["sequence"], sources, regions, strict=True):
        region = None if pd.isna(region) else region
        last = groups[-1] if groups else None
        if region is not None and last is not None and last[:2] == (sample, source) and last[3][-1] is not None:
            last[2].append(str(seq).upper())
            last[3].append(region)
        else:
            groups.append((sample, source, [str(seq).upper()], [region]))
    return groups


def identify_species(
    queries: pd.DataFrame | Sequence[tuple[str, str]],
    panel: ReferencePanel,
    min_identity: float = 0.97,
    min_margin: float = 0.01,
    min_length: int = 100,
    n_species: int = 4,
    n_refs: int = 3,
    n_prefilter: int = 40,
    exclude: str | None = None,
) -> pd.DataFrame:
    """Best-hit species of each query sequence, with identity and margin.

    Parameters
    ----------
    queries
        A frame with ``sample`` and ``sequence`` (see :func:`read_queries`), or
        ``(sample, sequence)`` pairs.  Consecutive rows of one sample and
        source that have a ``query_region`` (the covered blocks of a BAM) are
        called together: for each species the matches and aligned columns of
        its best reference per block are summed.
    panel
        The reference panel.
    min_identity, min_margin, min_length
        Below any of them the call is ``uncertain`` (``min_length`` is also the
        shortest alignment of one block that counts).
    n_species, n_refs, n_prefilter
        The ``n_prefilter`` references sharing most 11-mers with the query
        (each strand; none sharing under 5% of the best count) are compared
        by edit distance; that shortlists the ``n_species`` closest species,
        whose ``n_refs`` closest references are aligned in full for identity
        and length.  A query much shorter than a reference (a fragment and a
        mitogenome) is aligned within the stretch its 11-mers place it in
        (:func:`_window`).
    exclude
        An accession to leave out of the panel (leave-one-out checks); all its
        regions are left out.

    Returns
    -------
    pandas.DataFrame
        ``sample, call, species, group, identity, alignment_length,
        best_accession, next_species, next_identity, margin, strand,
        reference_region, query_region``; ``call`` is the species or
        ``uncertain``; ``reference_region`` is the panel region of the best
        hit (``cytb``, ``mitogenome``) and ``query_region`` the BAM blocks
        (``;``-separated) or NA.

    Examples
    --------
    >>> p = ReferencePanel(["A1", "B1"], ["Panthera tigris", "Panthera pardus"],
    ...                    ["ACGTACGTTAGCCATTAGGCATCGATCGGCTA" * 5, "ACGAACGTTTGCCATAAGGCATGGATCGGCAA" * 5])
    >>> r = identify_species([("T1", "ACGTACGTTAGCCATTAGGCATCGATCGGCTA" * 3)], p, min_length=50)
    >>> row = r.iloc[0]
    >>> row["call"], row["group"], float(row["identity"]), int(row["alignment_length"])
    ('Panthera tigris', 'tiger', 1.0, 96)
    """
    if not isinstance(queries, pd.DataFrame):
        queries = pd.DataFrame(list(queries), columns=["sample", "sequence"])
    prepared = _prepare(panel)
    usable = None
    if exclude is not None:  # leave one reference out (for leave-one-out checks)
        uniq = {rs: [k for k in ks if panel.accession[k] != exclude] for rs, ks in prepared[0].items()}
        usable = np.array([len(uniq[rs]) for rs in prepared[1]])
        prepared = (uniq, prepared[1], prepared[2])
    rows = []
    for sample, _source, seqs, qregions in _query_groups(queries):
        # the species shortlisted in any block are aligned in every block, so that their summed
        # identities are over the same blocks (a block no reference of a species covers counts
        # against it rather than being left out)
        approx = [_candidates(seq, panel, prepared, usable, n_prefilter) for seq in seqs]
        species = sorted({sp for a in approx for sp in _shortlist(a, n_species)})
        totals: dict[str, list] = {}  # species -> [matches, columns, accession, strand, region, best block columns]
        for seq, cand in zip(seqs, approx, strict=True):
            for sp, (m, c, acc, strand, reg) in _best_alignments(seq, cand, species, panel, prepared[0],
                                                                 min_length, n_refs).items():
                t = totals.setdefault(sp, [0, 0, acc, strand, reg, c])
                t[0] += m
                t[1] += c
                if c > t[5]:
                    t[2:6] = [acc, strand, reg, c]
        qregion = ";".join(qregions) if qregions[0] is not None else None
        ranked = sorted(totals.items(), key=lambda kv: (-kv[1][0] / kv[1][1], -kv[1][1], kv[0]))
        if not ranked:
            rows.append((sample, "uncertain", None, None, np.nan, 0, None, None, np.nan, np.nan, None, None,
                         qregion))
            continue
        sp, (m, cols, acc, strand, reg, _) = ranked[0]
        ident = m / cols
        nxt_sp, nxt_ident = (ranked[1][0], ranked[1][1][0] / ranked[1][1][1]) if len(ranked) > 1 else (None, 0.0)
        margin = ident - nxt_ident
        sure = ident >= min_identity and margin >= min_margin and cols >= min_length
        rows.append((sample, sp if sure else "uncertain", sp, GROUPS.get(sp, "other"), ident, cols, acc, nxt_sp,
                     nxt_ident if nxt_sp else np.nan, margin, strand, reg, qregion))
    return pd.DataFrame(
        rows,
        columns=["sample", "call", "species", "group", "identity", "alignment_length", "best_accession",
                 "next_species", "next_identity", "margin", "strand", "reference_region", "query_region"],
    )


def load_panel(reference: str | Path | Sequence[str | Path]) -> ReferencePanel:
    """A panel from FASTA file(s) written by :func:`write_reference`, or built from GenBank/mitogenome files."""
    paths = [Path(reference)] if isinstance(reference, str | Path) else [Path(r) for r in reference]
    for path in paths:
        if not path.exists():
            raise InputError(Problem("no such file", "an existing file", str(path)))
    if all(p.suffix.lower() in _FASTA_SUFFIXES for p in paths) and all(_is_panel(p) for p in paths):
        return _concat([read_reference(p) for p in paths])
    return build_reference(paths)


def _is_panel(path: Path) -> bool:
    """Whether a FASTA file is a panel written by :func:`write_reference` (its first header has ``species=``)."""
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if line.startswith(">"):
                return " species=" in line
    return True


def call_species_files(
    reads: Sequence[str | Path], reference: str | Path | Sequence[str | Path], **options
) -> pd.DataFrame:
    """Read query files (:func:`read_queries`) and call them (:func:`identify_species`)."""
    panel = load_panel(reference)
    queries = read_queries(reads)
    out = identify_species(queries, panel, **options)
    out.insert(1, "source", [g[1] for g in _query_groups(queries)])
    return out


def write_reference_file(sources: Sequence[str | Path], path: str | Path) -> int:
    """Build a panel from GenBank and mitogenome FASTA files and write it as FASTA; returns its size."""
    panel = build_reference(sources)
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        write_reference(panel, tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return len(panel)

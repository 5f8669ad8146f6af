"""VCF and BCF for SNP panels, through pysam (htslib).

Reader: every record is a locus of kind ``SNP`` whose allele table is
``(REF, ALT1, ALT2, ...)`` (multi-allelic records are kept; a record with ALT
``.`` has the one allele REF); the locus is named by the ID column, or
``CHROM:POS`` when ID is ``.``, and keeps ``chrom`` and ``position``.  GT
calls become allele indices (``.`` missing; phased calls set
``call_data["call_genotype_phased"]``); the table's ploidy is the largest in
the file and shorter calls are padded with missing alleles.  When the header
declares them, ``AD`` goes to ``call_data["call_AD"]`` (samples, loci,
max alleles; ``-1`` missing) and ``DP`` to ``call_data["call_DP"]``
(samples, loci; ``-1`` missing).  Contig lengths are kept in
``attrs["vcf_contigs"]``.

VCF text (plain or BGZF-compressed) is first checked line by line so that
every problem is reported with its line, sample and locus (htslib silently
reads an allele index beyond ALT as missing); in BCF, GT indices beyond ALT
are caught from the record, and problems htslib itself finds are reported
with htslib's message and the record number.

Writer: VCF 4.2 (``.vcf``), BGZF-compressed VCF (``.vcf.gz``) or BCF
(``.bcf`` or ``format="bcf"``), with contig headers, GT and, when present in
``call_data``, AD and DP.  VCF is for SNP panels: tables with microsatellite
or sex-marker loci are refused, as are loci without chromosome and position.
One column per row of the table, named by ``replicate_id`` when filled (one
column per PCR replicate) or else ``sample_id``.

References
----------
Danecek P., Auton A., Abecasis G. et al. (2011) The variant call format and
VCFtools. Bioinformatics 27:2156-2158.

The Variant Call Format Specification, VCFv4.2 (samtools/hts-specs).
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._version import __version__
from ..exceptions import InputError, Problem, ProblemLog
from ..model import GenotypeTable, Locus
from . import FormatSpec, register_format
from ._text import decode_bytes

__all__ = ["read_vcf", "write_vcf"]

_GT = re.compile(r"^(\.|\d+)([/|](\.|\d+))*$")


# ---------------------------------------------------------------------- helpers
@contextlib.contextmanager
def _htslib_messages():
    """Collect what htslib prints on the C-level stderr (its error messages)."""
    import pysam

    collected: list[str] = []
    old_verbosity = pysam.set_verbosity(1)  # errors only
    try:
        saved = os.dup(2)
    except OSError:  # pragma: no cover - no usable stderr
        saved = None
    with tempfile.TemporaryFile(mode="w+b") as tmp:
        if saved is not None:
            os.dup2(tmp.fileno(), 2)
        try:
            yield collected
        finally:
            if saved is not None:
                os.dup2(saved, 2)
                os.close(saved)
            pysam.set_verbosity(old_verbosity)
            tmp.seek(0)
            for line in tmp.read().decode("utf-8", "replace").splitlines():
                line = re.sub(r"^\[[EW]::[A-Za-z0-9_]+\]\s*", "", line.strip())
                if line:
                    collected.append(line)


def _line_pattern(fmt: str, n_alleles: int, n_samples: int) -> re.Pattern:
    """A regex for the sample columns of a data line, all fields well formed.

    It is matched from the tab before the first sample column; lines that do
    not match are checked field by field to say what is wrong.
    """
    idx = "|".join(str(k) for k in range(n_alleles - 1, -1, -1))  # longest first
    allele = rf"(?:\.|{idx})"
    parts = {
        "GT": rf"{allele}(?:[/|]{allele})*",
        "AD": rf"(?:\.|(?:\d+|\.)(?:,(?:\d+|\.)){{{n_alleles - 1}}})",
        "DP": r"(?:\.|\d+)",
    }
    field = ""
    for key in reversed(fmt.split(":")):
        sub = parts.get(key, r"[^\t:]*")
        field = f"{sub}(?::{field})?" if field else sub
    return re.compile(rf"(?:\t(?:{field})){{{n_samples}}}\r?$")


def _check_record_gt(rec, samples: list[str], locus: str, log: ProblemLog) -> None:
    """htslib reads a GT index beyond ALT as missing: look at the record's text."""
    f = str(rec).rstrip("\n").split("\t")
    keys = f[8].split(":") if len(f) > 8 else []
    if "GT" not in keys:
        return
    gi = keys.index("GT")
    for name, value in zip(samples, f[9:], strict=False):
        parts = value.split(":")
        if gi < len(parts):
            problem = _gt_problem(parts[gi], len(rec.alleles or ()))
            if problem:
                n = len(rec.alleles or ())
                expected = problem if problem != "range" else f"allele indices 0-{n - 1}"
                log.error(f'GT "{parts[gi]}"', expected, sample=name, locus=locus)


def _gt_problem(gt: str, n_alleles: int) -> str:
    """What is wrong with a GT string ("" when nothing; "range" for an index beyond ALT)."""
    if not _GT.match(gt):
        return "allele indices or '.' separated by / or |"
    idx = [int(a) for a in re.split(r"[/|]", gt) if a != "."]
    return "range" if idx and max(idx) >= n_alleles else ""


def _container(path: Path) -> tuple[str, str | None]:
    """("vcf", text), ("vcf.gz", text or None when it cannot be decompressed) or ("bcf", None)."""
    import gzip

    data = path.read_bytes()
    if data[:3] == b"BCF":
        return "bcf", None
    if data[:2] != b"\x1f\x8b":
        return "vcf", decode_bytes(data, str(path))
    try:
        raw = gzip.decompress(data)
    except (OSError, EOFError, ValueError):
        return "vcf.gz", None
    if raw[:3] == b"BCF":
        return "bcf", None
    return "vcf.gz", decode_bytes(raw, str(path))


def _check_text(text: str, log: ProblemLog) -> tuple[int, list[int]]:
    """Check VCF text line by line; returns (header lines, data line numbers)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines or not lines[0].startswith("##fileformat=VCF"):
        first = lines[0][:40] if lines else ""
        log.error(f'first line "{first}"', "##fileformat=VCFv4.x", line=1)
        return 0, []
    header_end = None
    samples: list[str] = []
    for i, ln in enumerate(lines, start=1):
        if ln.startswith("##"):
            continue
        if ln.startswith("#CHROM"):
            header_end = i
            cols = ln.rstrip("\r").split("\t")
            samples = cols[9:]
            if len(cols) < 8:
                log.error(
                    f"{len(cols)} tab-separated header columns",
                    "#CHROM POS ID REF ALT QUAL FILTER INFO [FORMAT samples]",
                    line=i,
                )
        break
    if header_end is None:
        log.error("no #CHROM header line", "a #CHROM line after the ## meta lines")
        return 0, []
    n_cols = 9 + len(samples) if samples else 8
    data_lines = []
    gt_seen: dict[tuple[str, int], str] = {}
    line_patterns: dict[tuple[str, int], re.Pattern] = {}
    for i in range(header_end + 1, len(lines) + 1):
        ln = lines[i - 1].rstrip("\r")
        if not ln.strip():
            log.error("a blank line", "a data line (or the end of the file)", line=i)
            continue
        f = ln.split("\t")
        data_lines.append(i)
        locus = None
        if len(f) >= 3:
            locus = f[2] if f[2] != "." else f"{f[0]}:{f[1]}"
        if len(f) != n_cols and not (not samples and len(f) == 9):
            log.error(
                f"{len(f)} tab-separated columns",
                f"{n_cols} ({'9 fixed + ' + str(len(samples)) + ' samples' if samples else '8 fixed'})",
                line=i,
                locus=locus,
            )
            continue
        if not f[1].isdigit():
            log.error(f'POS "{f[1]}"', "a positive whole number", line=i, locus=locus)
        if not f[3] or f[3] == ".":
            log.error(f'REF "{f[3]}"', "the reference allele", line=i, locus=locus)
        alt = [] if f[4] == "." else f[4].split(",")
        n_alleles = 1 + len(alt)
        if not samples:
            continue
        fast = line_patterns.get((f[8], n_alleles))
        if fast is None:
            fast = line_patterns[(f[8], n_alleles)] = _line_pattern(f[8], n_alleles, len(samples))
        if fast.match(ln, sum(len(x) for x in f[:9]) + 8):
            continue  # every sample field is well formed
        keys = f[8].split(":")
        gi = keys.index("GT") if "GT" in keys else None
        ai = keys.index("AD") if "AD" in keys else None
        di = keys.index("DP") if "DP" in keys else None
        ad_ok = re.compile(rf"^(\.|(\d+|\.)(,(\d+|\.)){{{n_alleles - 1}}})$")
        for name, value in zip(samples, f[9:], strict=True):
            parts = value.split(":")
            if gi is not None and gi < len(parts):
                gt = parts[gi]
                ok = gt_seen.get((gt, n_alleles))
                if ok is None:
                    ok = _gt_problem(gt, n_alleles)
                    gt_seen[(gt, n_alleles)] = ok
                if ok:
                    expected = (
                        ok
                        if ok != "range"
                        else f"allele indices 0-{n_alleles - 1} (REF {f[3]}, ALT {f[4]})"
                    )
                    log.error(f'GT "{gt}"', expected, line=i, sample=name, locus=locus)
            if ai is not None and ai < len(parts) and not ad_ok.match(parts[ai]):
                log.error(
                    f'AD "{parts[ai]}"',
                    f"{n_alleles} read counts (one per allele)",
                    line=i,
                    sample=name,
                    locus=locus,
                )
            if di is not None and di < len(parts) and parts[di] != "." and not parts[di].isdigit():
                log.error(
                    f'DP "{parts[di]}"', "a whole number or '.'", line=i, sample=name, locus=locus
                )
    return header_end, data_lines


# ---------------------------------------------------------------------- reader
def read_vcf(path: str | Path, *, missing: Any = None) -> GenotypeTable:
    """Read a VCF (plain or BGZF) or BCF file of a SNP panel.

    Parameters
    ----------
    path
        The file.
    missing
        Ignored: VCF marks missing alleles with ``.`` (accepted so that the
        command line's ``--missing`` does not fail).

    Returns
    -------
    GenotypeTable
        SNP loci; ``call_data`` may hold ``call_AD``, ``call_DP`` and
        ``call_genotype_phased``.

    Examples
    --------
    >>> import tempfile, os
    >>> text = ("##fileformat=VCFv4.2\\n##contig=<ID=chrA1>\\n"
    ...         '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\\n'
    ...         "#CHROM\\tPOS\\tID\\tREF\\tALT\\tQUAL\\tFILTER\\tINFO\\tFORMAT\\tS1\\tS2\\n"
    ...         "chrA1\\t1050\\trs1\\tA\\tG\\t.\\t.\\t.\\tGT\\t0/1\\t./.\\n")
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "x.vcf")
    ...     _ = open(p, "w").write(text)
    ...     t = read_vcf(p)
    >>> t.loci[0].alleles, t.call_genotype[:, 0].tolist()
    (('A', 'G'), [[0, 1], [-1, -1]])

    References
    ----------
    Danecek P. et al. (2011) Bioinformatics 27:2156-2158.
    """
    import pysam

    path = Path(path)
    file = str(path)
    log = ProblemLog(file)
    container, text = _container(path)
    header_lines, data_lines = (0, [])
    if text is not None:
        header_lines, data_lines = _check_text(text, log)
        log.raise_if_any()
    checked = text is not None

    def where(k: int) -> dict:
        if checked and k < len(data_lines):
            return {"line": data_lines[k]}
        return {}

    loci: list[Locus] = []
    lines_of: list[int | None] = []
    gts: list[list[tuple]] = []
    phased: list[list[bool]] = []
    ads: list[list[tuple | None]] = []
    dps: list[list[int | None]] = []
    k = 0
    with _htslib_messages() as messages:
        try:
            vf = pysam.VariantFile(file)
        except (OSError, ValueError) as exc:
            vf = None
            err = exc
    if vf is None:
        detail = messages[-1] if messages else str(err)
        raise InputError(
            Problem(f"a header htslib cannot read ({detail})", "a VCF 4.x or BCF header", file)
        )
    with vf:
        header = vf.header
        samples = list(header.samples)
        has_ad = "AD" in header.formats
        has_dp = "DP" in header.formats
        contigs = {name: (c.length if c.length else None) for name, c in header.contigs.items()}
        with _htslib_messages() as messages:
            try:
                for rec in vf:
                    name = rec.id if rec.id else f"{rec.chrom}:{rec.pos}"
                    alleles = tuple(rec.alleles) if rec.alleles else ()
                    if len(set(alleles)) != len(alleles):
                        log.error(
                            f"repeated alleles {','.join(alleles)}",
                            "distinct REF and ALT alleles",
                            locus=name,
                            **where(k),
                        )
                        alleles = tuple(dict.fromkeys(alleles))
                    loci.append(
                        Locus(name, alleles, kind="SNP", chrom=rec.chrom, position=int(rec.pos))
                    )
                    lines_of.append(where(k).get("line"))
                    fmt = rec.format
                    vals = list(rec.samples.values())
                    row_gt = [s["GT"] for s in vals] if "GT" in fmt else [()] * len(vals)
                    if not checked and any(None in g for g in row_gt if g):
                        _check_record_gt(rec, samples, name, log)
                    gts.append(row_gt)
                    phased.append([s.phased for s in vals])
                    if has_ad:
                        ads.append([s["AD"] for s in vals] if "AD" in fmt else [None] * len(vals))
                    if has_dp:
                        dps.append([s["DP"] for s in vals] if "DP" in fmt else [None] * len(vals))
                    k += 1
            except (OSError, ValueError) as exc:
                err = exc
            else:
                err = None
        if err is not None:
            detail = messages[-1] if messages else str(err)
            ctx = where(k)
            found = f"a record htslib cannot parse ({detail})"
            if not ctx:
                found = f"record {k + 1}, which htslib cannot parse ({detail})"
            log.error(found, "a VCF 4.x data record", **ctx)
    names = [locus.name for locus in loci]
    seen: dict[str, int | None] = {}
    for name, line in zip(names, lines_of, strict=True):
        if name in seen:
            first = f" (first on line {seen[name]})" if seen[name] else ""
            log.error(
                f'a second record with ID "{name}"{first}',
                "unique IDs (or '.' to name loci CHROM:POS)",
                line=line,
                locus=name,
            )
        else:
            seen[name] = line
    log.raise_if_any()

    n, m = len(samples), len(loci)
    ploidy = max((len(g) for row in gts for g in set(row) if g), default=0) or 2
    # Calls repeat a lot: convert each distinct (GT, phased) once.
    memo: dict[tuple, tuple[tuple[int, ...], bool]] = {}

    def convert(g: tuple | None, is_phased: bool) -> tuple[tuple[int, ...], bool]:
        key = (g, is_phased)
        if key not in memo:
            alleles = tuple(-1 if a is None else int(a) for a in (g or ()))
            padded = alleles + (-1,) * (ploidy - len(alleles))
            memo[key] = (padded, bool(is_phased) and len(alleles) > 1)
        return memo[key]

    converted = [
        [convert(g, p) for g, p in zip(row_g, row_p, strict=True)]
        for row_g, row_p in zip(gts, phased, strict=True)
    ]
    calls = np.array([[c[0] for c in row] for row in converted], dtype=np.int16)
    ph = np.array([[c[1] for c in row] for row in converted], dtype=bool)
    calls = np.ascontiguousarray(calls.reshape(m, n, ploidy).transpose(1, 0, 2))
    ph = np.ascontiguousarray(ph.reshape(m, n).T)
    call_data: dict[str, np.ndarray] = {}
    if ph.any():
        call_data["call_genotype_phased"] = ph
    if has_ad:
        width = max((locus.n_alleles for locus in loci), default=1)
        ad_memo: dict[tuple | None, tuple[int, ...]] = {None: (-1,) * width}

        def pad(v: tuple | None) -> tuple[int, ...]:
            if v not in ad_memo:
                vals = tuple(-1 if a is None else int(a) for a in v)[:width]
                ad_memo[v] = vals + (-1,) * (width - len(vals))
            return ad_memo[v]

        ad = np.array([[pad(v) for v in row] for row in ads], dtype=np.int32)
        call_data["call_AD"] = np.ascontiguousarray(ad.reshape(m, n, width).transpose(1, 0, 2))
    if has_dp:
        dp = np.array([[-1 if v is None else v for v in row] for row in dps], dtype=np.int32)
        call_data["call_DP"] = np.ascontiguousarray(dp.reshape(m, n).T)
    attrs = {
        "source_file": file,
        "source_format": "bcf" if container == "bcf" else "vcf",
        "vcf_contigs": contigs,
    }
    return GenotypeTable(calls, tuple(loci), pd.DataFrame({"sample_id": samples}), call_data, attrs)


# ---------------------------------------------------------------------- writer
def _column_names(table: GenotypeTable) -> list[str]:
    rep = table.samples["replicate_id"]
    return [
        str(r) if pd.notna(r) else str(s)
        for r, s in zip(rep, table.samples["sample_id"], strict=True)
    ]


def _vcf_text(table: GenotypeTable, file: str) -> str:
    log = ProblemLog(file)
    other = [locus.name for locus in table.loci if locus.kind != "SNP"]
    if other:
        shown = ", ".join(other[:5]) + (f" and {len(other) - 5} more" if len(other) > 5 else "")
        raise InputError(
            Problem(
                f"{len(other)} non-SNP loci ({shown})",
                "SNP loci only: VCF is for SNP panels; write microsatellites as genepop, structure, fstat or a lab table",
                file,
            )
        )
    for locus in table.loci:
        if not locus.chrom or not locus.position:
            log.error(
                "no chromosome and position",
                "loci placed on the genome (chrom, position)",
                locus=locus.name,
            )
        elif locus.n_alleles == 0:
            log.error("an empty allele table", "at least the REF allele", locus=locus.name)
        if locus.chrom and any(ch.isspace() or ch in ",<>" for ch in locus.chrom):
            log.error(
                f'chromosome name "{locus.chrom}"',
                "a name without spaces, commas or angle brackets",
                locus=locus.name,
            )
    cols = _column_names(table)
    dup = sorted({c for c in cols if cols.count(c) > 1})
    if dup:
        log.error(
            f"repeated sample columns {', '.join(dup[:5])}",
            "one column name per row (fill replicate_id for PCR replicates)",
        )
    for c in cols:
        if any(ch.isspace() for ch in c):
            log.error(
                f'sample name "{c}" with white space', "names without spaces or tabs", sample=c
            )
    log.raise_if_any()

    contigs = dict.fromkeys(locus.chrom for locus in table.loci)
    lengths = dict(table.attrs.get("vcf_contigs") or {})
    ad = table.call_data.get("call_AD")
    dp = table.call_data.get("call_DP")
    ph = table.call_data.get("call_genotype_phased")
    out = ["##fileformat=VCFv4.2", f"##source=genmon {__version__}"]
    for c in contigs:
        length = lengths.get(c)
        out.append(f"##contig=<ID={c},length={int(length)}>" if length else f"##contig=<ID={c}>")
    out.append('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">')
    fmt = ["GT"]
    if ad is not None:
        out.append(
            '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths for the ref and alt alleles in the order listed">'
        )
        fmt.append("AD")
    if dp is not None:
        out.append('##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth">')
        fmt.append("DP")
    fixed = ["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO"]
    out.append("\t".join(fixed + (["FORMAT", *cols] if cols else [])))
    # Per-locus lists of Python ints (numpy scalars are slow to format one by one).
    g = table.call_genotype.transpose(1, 0, 2).tolist()
    ph_l = ph.T.tolist() if ph is not None else None
    ad_l = ad.transpose(1, 0, 2).tolist() if ad is not None else None
    dp_l = dp.T.tolist() if dp is not None else None
    gt_text: dict[tuple, str] = {}
    for j, locus in enumerate(table.loci):
        ident = "." if locus.name == f"{locus.chrom}:{locus.position}" else locus.name
        alt = ",".join(locus.alleles[1:]) or "."
        fields = [locus.chrom, str(locus.position), ident, locus.alleles[0], alt, ".", ".", "."]
        if cols:
            fields.append(":".join(fmt))
        for i in range(table.n_samples):
            key = (tuple(g[j][i]), bool(ph_l and ph_l[j][i]))
            text = gt_text.get(key)
            if text is None:
                sep = "|" if key[1] else "/"
                text = gt_text[key] = sep.join("." if a < 0 else str(a) for a in key[0])
            parts = [text]
            if ad_l is not None:
                vals = ad_l[j][i][: locus.n_alleles]
                if max(vals) < 0:
                    parts.append(".")
                else:
                    parts.append(",".join("." if v < 0 else str(v) for v in vals))
            if dp_l is not None:
                parts.append("." if dp_l[j][i] < 0 else str(dp_l[j][i]))
            fields.append(":".join(parts))
        out.append("\t".join(fields))
    return "\n".join(out) + "\n"


def write_vcf(table: GenotypeTable, path: str | Path, *, bcf: bool | None = None) -> None:
    """Write a SNP table as VCF 4.2, BGZF VCF (``.vcf.gz``) or BCF.

    Parameters
    ----------
    table
        SNP loci with ``chrom`` and ``position``.
    path
        Output file; ``.bcf`` writes BCF and ``.gz`` BGZF-compressed VCF.
    bcf
        Force BCF output (the ``bcf`` format); ``None`` decides by extension.

    Examples
    --------
    >>> import tempfile, os
    >>> t = GenotypeTable.from_alleles([[["A", "G"]]], ["rs1"], kinds="SNP", sample_ids=["S1"],
    ...     locus_info={"rs1": {"alleles": ("A", "G"), "chrom": "chrA1", "position": 1050}})
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "o.vcf")
    ...     write_vcf(t, p)
    ...     print(open(p).read().splitlines()[-1].replace("\\t", " "))
    chrA1 1050 rs1 A G . . . GT 0/1
    """
    path = Path(path)
    file = str(path)
    text = _vcf_text(table, file)
    if bcf is None:
        bcf = path.suffix.lower() == ".bcf"
    gz = path.suffix.lower() in (".gz", ".bgz")
    if not bcf and not gz:
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        return
    import pysam

    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d) / "table.vcf"
        tmp.write_text(text, encoding="utf-8")
        with _htslib_messages(), pysam.VariantFile(str(tmp)) as src:
            with pysam.VariantFile(file, "wb" if bcf else "wz", header=src.header) as dst:
                for rec in src:
                    dst.write(rec)


def _write_bcf(table: GenotypeTable, path: str | Path) -> None:
    write_vcf(table, path, bcf=True)


def _sniff(path: Path, head: str) -> float:
    return 1.0 if head.startswith("##fileformat=VCF") else 0.0


register_format(
    FormatSpec(
        "vcf",
        "VCF 4.x (plain or .vcf.gz) for SNP panels: GT, AD, DP (via pysam)",
        read_vcf,
        write_vcf,
        (".vcf", ".vcf.gz", ".vcf.bgz"),
        _sniff,
        {},
    )
)
register_format(
    FormatSpec(
        "bcf",
        "BCF (binary VCF) for SNP panels (via pysam)",
        read_vcf,
        _write_bcf,
        (".bcf",),
        None,
        {},
    )
)

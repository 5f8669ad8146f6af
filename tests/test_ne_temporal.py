"""Temporal Ne (Pollak, Nei & Tajima, Jorde & Ryman) against NeEstimator v2, digit for digit."""

import math
import re
from pathlib import Path

import numpy as np
import pytest

from genmon import GenotypeTable
from genmon.exceptions import ModelError
from genmon.io import read_genotypes
from genmon.ne.temporal import estimate_ne_temporal

REF = Path(__file__).resolve().parent.parent / "test_data" / "reference" / "ne"
_LABELS = {"0.050": "0.05", "0.020": "0.02", "0.010": "0.01", "0+": "0"}
_SECTIONS = {
    "(Pollak)": "temporal-pollak",
    "(Nei/Tajima)": "temporal-nei_tajima",
    "(Jorde/Ryman)": "temporal-jorde_ryman",
}


def parse_temporal(path: Path) -> dict:
    """NeEstimator's temporal block: {method: {field: [values per Pcrit]}} plus labels."""
    out = {}
    lines = path.read_text().splitlines()
    section = None
    for i, line in enumerate(lines):
        s = line.strip()
        if line.startswith("Lowest Allele Frequency Used"):
            out["labels"] = [_LABELS[t] for t in re.findall(r"0\+|\d\.\d+", line)]
        elif s.startswith("Independent Alleles ="):
            out["n_ind"] = s.split("=")[1].split()
        elif s in _SECTIONS:
            section = _SECTIONS[s]
            out[section] = {}
        elif section and s.startswith("Harmonic Mean Samp Size ="):
            out[section]["s"] = s.split("=")[1].split()
        elif section and re.match(r"F[kcs] =", s):
            out[section]["f"] = s.split("=")[1].split()
        elif section and s.startswith("F' ="):
            out[section]["f_prime"] = s.split("=")[1].split()
        elif section and s.startswith("* Ne ="):
            out[section]["ne"] = s.split("=")[1].split()
        elif section and s.startswith(("* Parametric", "* Jackknife on Loci")):
            key = "param" if "Parametric" in s else "jack"
            low = s.split()[2:] if key == "param" else s.split()[4:]
            out[section][key] = (low, lines[i + 1].split())
    return out


def _fmt(x, spec):
    return "Infinite" if math.isinf(x) else format(x, spec)


@pytest.mark.parametrize("plan,census", [("plan2", None), ("plan1", 200)])
def test_temporal_matches_neestimator(test_data, plan, census):
    # NeEstimator run: temporal method, Pcrit 0.05 0.02 0.01 (+0+), census 0 (plan II) or 200
    # (plan I), generations 0 and 5; see test_data/reference/ne/README.md.
    # Plan I: NeEstimator leaves 1/N out of the Fk and Fc jackknife limits; compare with
    # the program with that fixed (README), which changes nothing else.
    ref = parse_temporal(REF / f"neestimator_temporal_{plan}{'_jkfix' if census else ''}.txt")
    table = read_genotypes(test_data / "reference" / "ne" / "temporal_ne.gen", format="genepop")
    ours = estimate_ne_temporal(table, [0, 5], pcrit=[0.05, 0.02, 0.01, 0], census=census)
    labels = ref["labels"]
    problems = []
    for method in _SECTIONS.values():
        sub = ours[ours["method"] == method].set_index("pcrit").loc[labels]
        got = {
            "s": [_fmt(v, ".1f") for v in sub["s_harmonic"]],
            "f": [_fmt(v, ".5f") for v in sub["f"]],
            "f_prime": [_fmt(v, ".5f") for v in sub["f_prime"]],
            "ne": [_fmt(v, ".1f") for v in sub["ne"]],
            "param": (
                [_fmt(v, ".1f") for v in sub["ci_param_low"]],
                [_fmt(v, ".1f") for v in sub["ci_param_high"]],
            ),
            "jack": (
                [_fmt(v, ".1f") for v in sub["ci_jack_low"]],
                [_fmt(v, ".1f") for v in sub["ci_jack_high"]],
            ),
        }
        for key, want in got.items():
            have = ref[method][key]
            if isinstance(want, tuple):
                have = tuple(have)
            if have != want:
                problems.append(f"{method} {key}: NeEstimator {have} genmon {want}")
        if [f"{v:.0f}" for v in sub["n_comparisons"]] != ref["n_ind"]:
            problems.append(f"{method} independent alleles")
    assert problems == []


def test_hand_worked_single_locus():
    # One biallelic locus, 10 individuals per sample, no missing data, t = 2, plan II.
    # Sample 0: x = (0.6, 0.4); sample 2: y = (0.3, 0.7); z = (0.45, 0.55); (x - y)^2 = 0.09 each.
    # Fk = [0.09/0.45 + 0.09/0.55] / (K - 1 = 1) = 0.363636
    # Fc = [0.09/(0.45 - 0.18) + 0.09/(0.55 - 0.28)] / 2 = 0.333333
    # Fs = 0.18 / (2 * 0.2475) = 0.363636
    # 1/S~ = 1/20 + 1/20 = 0.1: Fk' = 0.263636 -> Ne = 2 / (2 * 0.263636) = 3.7931
    # Fc' = 0.233333 -> Ne = 4.2857;  Fs' = [Fs (1 - 0.025) - 0.1] / [(1 + Fs/4)(1 - 0.05)] = 0.238095 -> Ne = 4.2
    a = [[1, 1]] * 4 + [[1, 2]] * 4 + [[2, 2]] * 2  # 12 copies of 1 in 20: 0.6
    b = [[1, 1]] * 1 + [[1, 2]] * 4 + [[2, 2]] * 5  # 6 copies of 1: 0.3
    t = GenotypeTable.from_alleles(
        np.array(a + b)[:, None, :],
        ["A"],
        samples=__import__("pandas").DataFrame(
            {"sample_id": [f"s{i}" for i in range(20)], "population": ["g0"] * 10 + ["g2"] * 10}
        ),
    )
    out = estimate_ne_temporal(t, {"g0": 0, "g2": 2}, pcrit=[0]).set_index("method")
    assert out.loc["temporal-pollak", "f"] == pytest.approx(0.09 / 0.45 + 0.09 / 0.55)
    assert out.loc["temporal-pollak", "ne"] == pytest.approx(
        2 / (2 * (0.09 / 0.45 + 0.09 / 0.55 - 0.1))
    )
    assert out.loc["temporal-nei_tajima", "f"] == pytest.approx((0.09 / 0.27 + 0.09 / 0.27) / 2)
    fs = 0.18 / (2 * 0.45 * 0.55)
    fsp = (fs * (1 - 0.1 / 4) - 0.1) / ((1 + fs / 4) * (1 - 0.05))
    assert out.loc["temporal-jorde_ryman", "f_prime"] == pytest.approx(fsp)
    assert out.loc["temporal-jorde_ryman", "ne"] == pytest.approx(2 / (2 * fsp))


def test_temporal_bad_input(test_data):
    table = read_genotypes(test_data / "reference" / "ne" / "temporal_ne.gen", format="genepop")
    with pytest.raises(ModelError, match="no generation given for sample"):
        estimate_ne_temporal(table, {"G0_01": 0})
    with pytest.raises(ModelError, match="different generations"):
        estimate_ne_temporal(table, [3, 3])
    # no locus typed in both samples: a named nan result
    calls = table.call_genotype.copy()
    calls[:30] = -1
    empty = GenotypeTable(calls, table.loci, table.samples)
    row = estimate_ne_temporal(empty, [0, 5], pcrit=[0.05]).iloc[0]
    assert (
        np.isnan(row["ne"])
        and row["reason"] == "no locus with alleles passing Pcrit typed in both samples"
    )


def test_plan1_fix_changes_only_the_jackknife_limits():
    plain = parse_temporal(REF / "neestimator_temporal_plan1.txt")
    fixed = parse_temporal(REF / "neestimator_temporal_plan1_jkfix.txt")
    changed = sorted(
        (m, k) for m in _SECTIONS.values() for k in plain[m] if plain[m][k] != fixed[m][k]
    )
    assert changed == [("temporal-nei_tajima", "jack"), ("temporal-pollak", "jack")]


def test_three_samples_give_every_pair():
    # Three samples (generations 0, 5 and 8): one block of rows per pair of samples,
    # each equal to the estimate on the table holding only that pair.
    table = read_genotypes(
        REF.parent.parent / "reference" / "ne" / "temporal_ne.gen", format="genepop"
    )
    samples = table.samples.copy()
    samples["population"] = samples["population"].astype(str)
    samples.loc[45:, "population"] = "G8"  # second half of the later sample as a third sample
    three = GenotypeTable(table.call_genotype, table.loci, samples)
    out = estimate_ne_temporal(three, {"G0_01": 0, "G5_01": 5, "G8": 8}, pcrit=[0.05])
    pops = list(dict.fromkeys(out["pop"]))
    assert len(pops) == 3 and len(out) == 3 * 3
    cols = ["s_harmonic", "f", "f_prime", "ne", "ci_param_low", "ci_jack_high"]
    for a, b in (("G0_01", "G5_01"), ("G0_01", "G8"), ("G5_01", "G8")):
        keep = np.nonzero(samples["population"].isin([a, b]).to_numpy())[0]
        pair = GenotypeTable(
            table.call_genotype[keep], table.loci, samples.iloc[keep].reset_index(drop=True)
        )
        gens = {"G0_01": 0, "G5_01": 5, "G8": 8}
        alone = estimate_ne_temporal(pair, {a: gens[a], b: gens[b]}, pcrit=[0.05])
        block = out[out["pop"] == alone["pop"].iloc[0]]
        np.testing.assert_allclose(
            block[cols].to_numpy(float), alone[cols].to_numpy(float), rtol=1e-12
        )

"""Bad relatedness inputs give warnings naming the individual or locus, never silent zeros."""

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from genmon import GenotypeTable, Locus
from genmon.cli import cli
from genmon.exceptions import GenmonWarning
from genmon.relate.checks import quiet_after_first
from genmon.relate.pairs import relate_pairs

MALFORMED = Path(__file__).resolve().parent.parent / "test_data" / "malformed"


def test_cli_untyped_individual(tmp_path):
    src = MALFORMED / "relate_untyped_individual.txt"
    result = CliRunner().invoke(cli, ["relate", str(src), "--from", "related", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[0] == (
        "warning: found 1 individual(s) with no typed locus: RU-0003, expected at least one typed locus per "
        "individual; their pairs are NaN in relatedness")
    pairs = pd.read_csv(tmp_path / "pairs.tsv", sep="\t", keep_default_na=False)
    with_3 = pairs[(pairs["id_1"] == "RU-0003") | (pairs["id_2"] == "RU-0003")]
    assert len(with_3) == 3 and (with_3["n_loci"] == 0).all()
    assert (with_3[["qg", "lr", "lynchli", "ritland", "wang", "class_lr"]] == "nan").all().all()
    assert (with_3["reason"] == "no locus typed in both individuals").all() and (with_3["class"] == "").all()


@pytest.mark.parametrize(("name", "warning"), [
    ("relate_monomorphic_locus.txt", "warning: locus L2: 1 allele(s) in the sample; it is left out of relatedness"),
    ("relate_untyped_locus.txt", "warning: locus L2: typed in no individual; it is left out of relatedness"),
    ("relate_one_typed_locus.txt", "warning: locus L2: typed in one individual only; it is left out of relatedness"),
])
def test_cli_uninformative_locus(tmp_path, name, warning):
    result = CliRunner().invoke(cli, ["relate", str(MALFORMED / name), "--from", "related", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[0] == warning
    pairs = pd.read_csv(tmp_path / "pairs.tsv", sep="\t")
    assert (pairs["n_loci"] == 2).all()


def test_block_warnings_said_once():
    calls = np.array([[[0, 1], [0, 0]], [[1, 1], [0, 0]], [[0, 0], [0, 0]], [[-1, -1], [-1, -1]]], dtype=np.int16)
    loci = tuple(Locus(f"s{j}", ("A", "G"), kind="SNP") for j in range(2))
    t = GenotypeTable(calls, loci, ["a", "b", "c", "d"])
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        relate_pairs(t, ["qg", "king"], block=2)
    messages = [str(w.message) for w in seen]
    assert len(messages) == len(set(messages)) >= 3
    assert any("no typed locus: d" in m for m in messages)
    assert any("(s1)" in m and "KING" in m for m in messages)


def test_quiet_after_first_restores_filters():
    def noisy(items):
        for k in quiet_after_first(items):
            warnings.warn(GenmonWarning(f"item {k}"), stacklevel=1)
    with pytest.warns(GenmonWarning) as seen:
        noisy(range(3))
    assert [str(w.message) for w in seen] == ["item 0"]
    with pytest.warns(GenmonWarning, match="after"):
        warnings.warn(GenmonWarning("after"), stacklevel=1)


def test_cli_matrix_matches_pairs_for_snp_estimators(test_data, tmp_path):
    """--matrix with KING and PLINK IBD (PI_HAT) on the plink2 reference VCF: symmetric, NaN diagonal,
    every off-diagonal cell the pair's value in pairs.tsv."""
    src = test_data / "reference/relate/king_sim.vcf.gz"
    result = CliRunner().invoke(cli, ["relate", str(src), "--estimator", "king,ibd", "--no-classes", "--matrix",
                                      "-o", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    pairs = pd.read_csv(tmp_path / "pairs.tsv", sep="\t")
    for name in ("king", "pi_hat"):
        m = pd.read_csv(tmp_path / f"matrix_{name}.tsv", sep="\t", index_col="id")
        assert m.shape == (40, 40) and list(m.index) == list(m.columns)
        assert np.isnan(np.diag(m.to_numpy())).all()
        np.testing.assert_array_equal(m.to_numpy(), m.to_numpy().T)
        got = [m.loc[a, b] for a, b in zip(pairs["id_1"], pairs["id_2"], strict=True)]
        np.testing.assert_array_equal(got, pairs[name].to_numpy())
    assert (tmp_path / "relatedness_histogram.svg").exists()


# --- permutation of individuals: moment estimators and kinship classes ---------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra.numpy import arrays  # noqa: E402

from genmon.relate.moments import ESTIMATORS, MonomorphicLocusWarning, estimate_relatedness  # noqa: E402
from tests.test_relate import _table, genotypes  # noqa: E402


@settings(max_examples=30, deadline=None)
@given(genotypes, st.randoms(), st.just("sample"))
def test_moments_and_classes_permutation_invariant(vals, random, frequencies):
    """Reordering the individuals changes no pair's estimates, n_loci, class or support."""
    vals = np.where(vals < 0, -1, vals + 100)
    order = list(range(vals.shape[0]))
    random.shuffle(order)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MonomorphicLocusWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", GenmonWarning)
        base = relate_pairs(_table(vals), ESTIMATORS, frequencies=frequencies)
        perm = relate_pairs(_table(vals[order]), ESTIMATORS, frequencies=frequencies)
    cols = ["n_loci", *ESTIMATORS, "class_lr"]
    lookup = {frozenset(k): row for k, row in zip(zip(base["id_1"], base["id_2"], strict=True),
                                                  base[cols + ["class"]].to_numpy(), strict=True)}
    # individual s{k} of the permuted table is s{order[k]} of the original
    rename = {f"s{k}": f"s{order[k]}" for k in range(len(order))}
    expected = np.array([lookup[frozenset((rename[a], rename[b]))]
                         for a, b in zip(perm["id_1"], perm["id_2"], strict=True)], dtype=object)
    got = perm[cols + ["class"]].to_numpy()
    np.testing.assert_allclose(got[:, :-1].astype(float), expected[:, :-1].astype(float), rtol=1e-12, atol=1e-12,
                               equal_nan=True)
    assert (got[:, -1] == expected[:, -1]).all()


def test_ritland_exclude_pair_symmetric_in_the_pair():
    # one locus; only s3 carries allele 100, so without the pair (s3, x) allele 100 has frequency 0
    vals = np.array([[[101, 101]], [[101, 101]], [[101, 101]], [[100, 101]], [[101, 101]]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = estimate_relatedness(_table(vals), ["ritland"], frequencies="exclude_pair")
    with_s3 = r[(r["id_1"] == "s3") | (r["id_2"] == "s3")]["ritland"].to_numpy()
    # s3 second (s0-s3, s1-s3, s2-s3) and s3 first (s3-s4) must agree
    np.testing.assert_array_equal(with_s3[:3], with_s3[3])


@settings(max_examples=40, deadline=None)
@given(st.integers(3, 7).flatmap(
    lambda n: arrays(np.int64, st.tuples(st.just(n), st.integers(1, 3), st.just(2)), elements=st.integers(-1, 3))),
    st.sampled_from(["sample", "exclude_pair"]), st.sampled_from(["coancestry", "published"]))
def test_every_moment_estimator_is_symmetric_in_the_pair(vals, frequencies, convention):
    vals = np.where(vals < 0, -1, vals + 100)
    t = _table(vals)
    i, j = np.triu_indices(t.n_samples, k=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        forward = estimate_relatedness(t, pairs=(i, j), frequencies=frequencies, convention=convention)
        backward = estimate_relatedness(t, pairs=(j, i), frequencies=frequencies, convention=convention)
    for name in ("qg", "lr", "lynchli", "ritland", "wang"):
        np.testing.assert_allclose(forward[name], backward[name], rtol=1e-9, atol=1e-12, equal_nan=True, err_msg=name)


def test_ritland_undefined_when_the_pair_alone_carries_an_allele():
    # s0 and s1 are the only carriers of allele 100: without the pair its frequency is 0 and
    # Ritland's term x y / (4 p) is undefined, so the estimate is NaN (as Lynch & Ritland's), not inf
    vals = np.array([[[100, 101]], [[100, 101]], [[101, 101]], [[101, 102]], [[101, 101]]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = estimate_relatedness(_table(vals), ["ritland", "lr"], frequencies="exclude_pair", pairs=([0], [1]))
    assert np.isnan(r["ritland"].iloc[0]) and np.isnan(r["lr"].iloc[0])

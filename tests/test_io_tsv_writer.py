"""The C table writer gives exactly pandas' to_csv bytes (it replaces it for large pair tables)."""

import re
from unittest import mock

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from genmon.io._tsv_writer import write_tsv

# ties of the 6th and 4th decimal (odd multiples of 1/128 and 1/32), signed zeros, huge,
# subnormal and non-finite values, and ordinary ones
floats = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(-2, 2),
    st.integers(-1000, 1000).map(lambda k: k / 128),
    st.integers(-1000, 1000).map(lambda k: k / 32),
    st.integers(-10**6, 10**6).map(lambda k: k / 10**6 + 5e-7),
    st.sampled_from([0.0, -0.0, 1e-7, -4e-7, 5e-324, 1e12, 123456789.1234565, 1e308, -1e300]),
)
texts = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=5)
columns = st.one_of(
    st.lists(floats, min_size=1, max_size=1).map(lambda v: ("f", v)),
    st.just(("i", None)), st.just(("b", None)), st.just(("s", None)), st.just(("c", None)),
)


@st.composite
def frames(draw):
    n = draw(st.integers(0, 40))
    data = {}
    for k in range(draw(st.integers(2, 6))):
        kind = draw(st.sampled_from("fibsc"))
        name = f"col{k}" if draw(st.integers(0, 9)) else draw(texts) + f"{k}"
        if kind == "f":
            data[name] = np.array(draw(st.lists(floats, min_size=n, max_size=n)), dtype=np.float64)
        elif kind == "i":
            data[name] = np.array(draw(st.lists(st.integers(-2**63, 2**63 - 1), min_size=n, max_size=n)),
                                  dtype=np.int64)
        elif kind == "b":
            data[name] = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
        else:
            values = draw(st.lists(st.one_of(texts, st.none()), min_size=n, max_size=n))
            data[name] = pd.Categorical(values) if kind == "c" else pd.Series(values, dtype=object)
    return pd.DataFrame(data)


@settings(max_examples=300, deadline=None)
@given(frames(), st.sampled_from(["%.6f", "%.4f", "%.0f", "%.10f", "%.6g"]), st.sampled_from(["nan", "", "NA"]))
def test_same_bytes_as_pandas(tmp_path_factory, frame, float_format, na_rep):
    tmp = tmp_path_factory.mktemp("tsv")
    text = [str(c) for c in frame.columns] + [v for c in frame.columns if frame[c].dtype.kind not in "fib"
                                               for v in frame[c].dropna().astype(str)]
    fast = float_format != "%.6g" and not any(re.search('[\t"\n\r]', v) for v in text)
    # the C path must not fall back to pandas where it promises to handle the frame
    with mock.patch.object(pd.DataFrame, "to_csv", side_effect=AssertionError("fell back")) if fast \
            else mock.patch.object(pd, "__name__", pd.__name__):
        write_tsv(frame, tmp / "fast.tsv", float_format=float_format, na_rep=na_rep)
    frame.to_csv(tmp / "pandas.tsv", sep="\t", index=False, float_format=float_format, na_rep=na_rep,
                 lineterminator="\n")
    assert (tmp / "fast.tsv").read_bytes() == (tmp / "pandas.tsv").read_bytes()


def test_large_pair_table_same_bytes(tmp_path):
    """Several chunks of a pair table with categorical ids."""
    rng = np.random.default_rng(1)
    n = 300_000
    ids = pd.Index([f"T{k:04d}" for k in range(800)])
    kin = rng.normal(0, 0.1, n)
    kin[::97] = np.nan
    kin[3::101] = rng.integers(-64, 64, kin[3::101].size) / 128
    frame = pd.DataFrame({"id_1": pd.Categorical.from_codes(rng.integers(0, 800, n), categories=ids),
                          "id_2": pd.Categorical.from_codes(rng.integers(0, 800, n), categories=ids),
                          "nsnp": rng.integers(0, 20000, n), "kinship": kin,
                          "class": np.where(rng.random(n) < 0.5, "U", "")})
    with mock.patch.object(pd.DataFrame, "to_csv", side_effect=AssertionError("fell back")):
        write_tsv(frame, tmp_path / "fast.tsv")
    frame.to_csv(tmp_path / "pandas.tsv", sep="\t", index=False, float_format="%.6f", na_rep="nan",
                 lineterminator="\n")
    assert (tmp_path / "fast.tsv").read_bytes() == (tmp_path / "pandas.tsv").read_bytes()

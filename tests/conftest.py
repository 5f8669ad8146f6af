"""Shared fixtures and the --skip-slow flag."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

TEST_DATA = Path(__file__).resolve().parent.parent / "test_data"


def pytest_addoption(parser):
    parser.addoption("--skip-slow", action="store_true", help="skip tests marked slow")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--skip-slow"):
        skip = pytest.mark.skip(reason="--skip-slow")
        for item in items:
            if "slow" in item.keywords:
                item.add_marker(skip)


@pytest.fixture
def test_data() -> Path:
    return TEST_DATA


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261124)

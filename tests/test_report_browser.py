"""The report in a real browser: headless Chromium renders every figure, logs no
console errors and makes no network request; the screenshot is kept.

Needs Debian's ``chromium`` and ``chromium-driver`` (installed by ``.ci/run``) and
the ``selenium`` test extra.  The screenshot is written to
``test-artifacts/report_screenshot.png`` (or ``$GENMON_TEST_ARTIFACTS``).
"""

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from genmon import GenotypeTable, write_genotypes
from genmon.cli import cli

webdriver = pytest.importorskip("selenium.webdriver")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="chromium/chromedriver not installed")

ARTIFACTS = Path(os.environ.get("GENMON_TEST_ARTIFACTS", Path(__file__).resolve().parent.parent / "test-artifacts"))


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser")
    rng = np.random.default_rng(3)
    vals = rng.choice([150, 152, 156, 160], size=(25, 6, 2))
    table = GenotypeTable.from_alleles(vals, [f"L{i}" for i in range(6)], sample_ids=[f"PPO-{i:03d}" for i in range(25)])
    write_genotypes(table, root / "individuals.csv", "wide")
    (root / "run/species").mkdir(parents=True)
    (root / "run/species/species.tsv").write_text(
        "sample\tcall\tspecies\tgroup\tidentity\tmargin\talignment_length\n"
        "PPO-000\tPanthera pardus\tPanthera pardus\tleopard\t0.99\t0.07\t400\n"
        "X-001\tuncertain\tNA\tNA\tNA\tNA\t0\n")
    runner = CliRunner()
    for args in (["relate", str(root / "individuals.csv"), "-o", str(root / "run/relate")],
                 ["markers", str(root / "individuals.csv"), "-o", str(root / "run/markers"), "--seed", "1",
                  "--ld-permutations", "20"],
                 ["census", "test_data/capwire/wombat.csv", "-o", str(root / "run/census"), "--seed", "1",
                  "--bootstraps", "50", "--orders", "50"],
                 ["report", str(root / "run"), "-o", str(root / "report.html")]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, (args[0], result.stderr)
    return root / "report.html"


def _driver():
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    opts = Options()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,2000"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)


def test_report_renders_in_chromium(report):
    import json

    from PIL import Image  # pillow comes with matplotlib

    driver = _driver()
    try:
        driver.get(report.as_uri())
        # the species and sex section (tables only) is there and laid out
        section = driver.find_element("id", "species-sex")
        assert section.text == "Species and sex calls" and section.size["width"] > 100
        figures = driver.find_elements("css selector", "figure")
        assert figures, "no figures in the report"
        for fig in figures:
            graphic = fig.find_elements("css selector", "svg, img")
            assert graphic, fig.text
            size = graphic[0].size
            assert size["width"] > 50 and size["height"] > 50, (fig.text, size)
        errors = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
        assert errors == []
        requests = []
        for entry in driver.get_log("performance"):
            msg = json.loads(entry["message"])["message"]
            if msg["method"] == "Network.requestWillBeSent":
                url = msg["params"]["request"]["url"]
                if not url.startswith(("file:", "data:", "about:")):
                    requests.append(url)
        assert requests == []
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / "report_screenshot.png"
        driver.save_screenshot(str(shot))
    finally:
        driver.quit()
    image = Image.open(shot).convert("L")
    pixels = np.asarray(image)
    # non-blank: plenty of non-white pixels and some variety
    assert (pixels < 250).mean() > 0.02 and pixels.std() > 10

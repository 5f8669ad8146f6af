"""Write the malformed catalogue exchange packages (exchange_*.zip) next to this file.

    PYTHONPATH=. python test_data/malformed/exchange_generate.py

A two-individual, two-locus catalogue is exported with ``genmon.db.exchange``
(fixed provenance, so the package is the same on every run with the same
zlib) and then damaged one way per file:

* ``exchange_tampered.zip``: one allele in genotypes.tsv changed (154 -> 156)
  and the zip rebuilt, so only the manifest's SHA-256 shows it;
* ``exchange_damaged.zip``: one byte of genotypes.tsv's compressed data
  flipped in the zip itself;
* ``exchange_unlisted.zip``: an extra file the manifest does not list;
* ``exchange_bad_allele.zip``: an allele "15x" in genotypes.tsv, with the
  manifest's checksums updated (a package written by hand).
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from genmon.db import init_database  # noqa: E402
from genmon.db.exchange import export_catalogue  # noqa: E402
from tests.db.exchange_helpers import put_catalogue  # noqa: E402


def rezip(src: Path, dst: Path, change: dict[str, bytes], extra: dict[str, bytes] | None = None) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info, change.get(info.filename, zin.read(info)))
        for name, data in (extra or {}).items():
            zout.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "cn.sqlite")
        init_database(db, project="P").dispose()
        put_catalogue(db, ["FCA441", "F53"], [{"id": "PPO-CN-0001", "genotype": [(144, 154), (200, 204)], "sex": "F"},
                                               {"id": "PPO-CN-0002", "genotype": [(150, 150), (None, None)]}],
                      id_pattern="PPO-CN-{n:04d}")
        good = Path(tmp) / "good.zip"
        from genmon.db import open_engine

        engine = open_engine(db)
        with engine.connect() as conn:
            export_catalogue(conn, good, lab="NEFU", country="CN", provenance={"command": "exchange_generate.py"})
        engine.dispose()
        with zipfile.ZipFile(good) as zf:
            geno = zf.read("genotypes.tsv")
            manifest = json.loads(zf.read("manifest.json"))
        rezip(good, HERE / "exchange_tampered.zip", {"genotypes.tsv": geno.replace(b"\t154\n", b"\t156\n")})
        raw = bytearray(good.read_bytes())
        with zipfile.ZipFile(good) as zf:
            info = zf.getinfo("genotypes.tsv")
        start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
        raw[start + info.compress_size // 2] ^= 0x01
        (HERE / "exchange_damaged.zip").write_bytes(bytes(raw))
        rezip(good, HERE / "exchange_unlisted.zip", {}, {"notes.txt": b"not part of the export\n"})
        bad = geno.replace(b"\t154\n", b"\t15x\n")
        manifest["files"]["genotypes.tsv"].update(sha256=hashlib.sha256(bad).hexdigest(), bytes=len(bad))
        rezip(good, HERE / "exchange_bad_allele.zip",
              {"genotypes.tsv": bad, "manifest.json": (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()})


if __name__ == "__main__":
    main()

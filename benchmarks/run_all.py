"""Run every benchmark script and collect their results.

Run: python benchmarks/run_all.py [NAME ...]   (e.g. `census relate`; default: all)
Each `bench_<name>.py` writes `benchmarks/results/<name>.json`; this prints a summary.
"""

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(names: list[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if names:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in names]
    failed = []
    for script in scripts:
        t0 = time.perf_counter()
        print(f"== {script.name}", flush=True)
        proc = subprocess.run([sys.executable, str(script)], cwd=HERE.parent)
        print(f"   {time.perf_counter() - t0:.1f} s, exit {proc.returncode}", flush=True)
        if proc.returncode:
            failed.append(script.name)
    if failed:
        print("failed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The main job's speed target (issue 9): the README's demo command, ``bash pipelines/demo.sh
OUT``, turns test_data/demo/ into the report in under two minutes on the development machine.

Timed: one full run of pipelines/demo.sh (import, consensus, species panel and calls, sex,
identify, markers, relate, ne, census, report) and each of its steps, from the step
headers the script prints on stderr; the load average before and after is recorded
because the shared machine is rarely quiet.

Run: python benchmarks/bench_demo.py   ->  benchmarks/results/demo.json
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import write_results  # noqa: E402

TARGET_S = 120.0


def main() -> None:
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        proc = subprocess.Popen(["bash", str(ROOT / "pipelines/demo.sh"), "demo_out"], cwd=tmp,
                                stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        steps, current, started = {}, None, t0
        for line in proc.stderr:
            if line.startswith("== "):
                now = time.perf_counter()
                if current:
                    steps[current] = round(now - started, 2)
                current, started = line[3:].strip(), now
        proc.wait()
        total = time.perf_counter() - t0
        if current:
            steps[current] = round(time.perf_counter() - started, 2)
        if proc.returncode:
            raise SystemExit(f"demo.sh failed with exit status {proc.returncode}")
    write_results("demo", {
        "demo_sh_seconds": round(total, 2),
        "target_seconds": TARGET_S,
        "meets_target": total < TARGET_S,
        "steps_seconds": steps,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
    })


if __name__ == "__main__":
    main()

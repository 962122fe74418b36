"""Print one line per tox env and the suite's total from the JUnit reports.

Each line gives the env's test time (pytest's, from the report: without the
env's creation and installs); the longest come first, so the envs that
decide the parallel run's length are on top (tox.ini's envlist starts
them first).
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def counts(path: Path) -> tuple[int, int, int, float]:
    """Passed, failed, skipped and the seconds the tests took."""
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else list(root)
    total = failed = skipped = 0
    seconds = 0.0
    for suite in suites:
        total += int(suite.get("tests", 0))
        failed += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skipped += int(suite.get("skipped", 0))
        seconds += float(suite.get("time", 0) or 0)
    return total - failed - skipped, failed, skipped, seconds


def main(directory: str) -> int:
    reports = sorted(Path(directory).glob("*.xml"))
    if not reports:
        print("no test reports found")
        return 1
    passed = failed = skipped = 0
    seconds = 0.0
    rows = sorted(((report.stem, *counts(report)) for report in reports),
                  key=lambda row: -row[4])
    for name, p, f, s, t in rows:
        passed, failed, skipped, seconds = passed + p, failed + f, skipped + s, seconds + t
        print(f"  {name:<20} {p:>4} passed  {f:>3} failed  {s:>3} skipped  {t / 60:5.1f} min")
    print(f"{passed} passed, {failed} failed, {skipped} skipped"
          f" ({seconds / 60:.0f} min of tests over all envs)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else ".tox/reports"))

"""Print one line per tox env and the suite's total from the JUnit reports."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def counts(path: Path) -> tuple[int, int, int]:
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else list(root)
    total = failed = skipped = 0
    for suite in suites:
        total += int(suite.get("tests", 0))
        failed += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skipped += int(suite.get("skipped", 0))
    return total - failed - skipped, failed, skipped


def main(directory: str) -> int:
    reports = sorted(Path(directory).glob("*.xml"))
    if not reports:
        print("no test reports found")
        return 1
    passed = failed = skipped = 0
    for report in reports:
        p, f, s = counts(report)
        passed, failed, skipped = passed + p, failed + f, skipped + s
        print(f"  {report.stem:<16} {p:>4} passed  {f:>3} failed  {s:>3} skipped")
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else ".tox/reports"))

"""io's frontend module is translated (SPEC §13): every text of its JavaScript goes
through ``taskflow.t()``/``tn()`` and its German catalog (``static/i18n/de.json``) is complete, with
no stale entry and every ``{placeholder}`` intact — the testing kit's ``check_spa_catalogs``,
the check the docs offer every plugin author."""

from __future__ import annotations

from pathlib import Path

import lcore_taskflow.io
from lcore_taskflow.core.testing import check_spa_catalogs

STATIC = Path(lcore_taskflow.io.__file__).parent / "static"


def test_the_frontend_module_is_translated_into_german():
    report = check_spa_catalogs(STATIC, languages=("de",))
    report.assert_ok()
    assert len(report.msgids) >= 80, sorted(report.msgids)  # the scan found the texts

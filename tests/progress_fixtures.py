"""A fixture set of KPI actuals (test data, not facts) and a data folder that holds them.

Each row is chosen for the grade it must get (worked out by hand in the comments, see
docs/progress.md). The folder is a copy of the real ``data/`` with the actuals imported by the
real CLI, as a 振興局 would do it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = "北海道観光入込客数調査報告書（テスト用）,https://example.org/irikomi"

ACTUALS_CSV = (
    "\ufeffkpi_id,年度,実績値,速報/確報,出典,URL/資料,公表日,備考\n"
    + "\n".join(
        [
            # 1,162万人(H26)→1,440万人(R1): H28 128/278 = 0.46 ≥ 0.4 → A; R1 1,400 < 1,440 → 未達成 (final)
            f'donan-shinkansen-exchange-1,H28,"1,290万人",確報,{SRC},2017-10-02,',
            f'donan-shinkansen-exchange-1,R1,"1,400万人",速報,{SRC},2020-10-01,速報値',
            # 260件(H27～R1累計): 40 + 50 = 90 at H28, expected 104 → 0.87 → B
            "donan-industry-jobs-1,H27,40件,確報,商談会実績（テスト用）,第1回連携会議資料 p.3,2016-05-20,",
            "donan-industry-jobs-1,H28,50件,確報,商談会実績（テスト用）,第2回連携会議資料 p.4,2017-05-19,",
            # 8人(H21～25平均)→10人(R1): H29 9人, rate 0.5 of expected 0.75 → C
            "rumoi-food-health-1,H29,9人,確報,新規就農者調査（テスト用）,https://example.org/shuno,2018-06-01,",
            # 110人(H26)→126人(R1): H28 111人, rate 1/16 = 0.06 of expected 0.4 → D
            "donan-primary-industry-1,H28,111人,確報,就業者調査（テスト用）,https://example.org/shugyo,2017-07-01,",
            # 5事業(R1), no base: H30 3事業 → − (基準値なし)
            "hiyama-bureau-towns-1,H30,3事業,確報,檜山振興局資料（テスト用）,https://example.org/hiyama,2019-05-10,",
            # 846.9万人(H25)→907万人(R1): H30 910万人 ≥ 907 → 達成
            f"okhotsk-visits-1,H30,910万人,確報,{SRC},2019-09-30,",
            # 43.4%(H27)→81.0%(R2): H30 70.0%, rate 26.6/37.6 = 0.71 ≥ 0.6 → A, provisional
            "dohoku-safety-1,H30,70.0%,速報,自主防災組織調査（テスト用）,https://example.org/bousai,2019-08-01,",
        ]
    )
    + "\n"
)

EXPECTED_LATEST = {
    "donan-shinkansen-exchange-1": "未達成",
    "donan-industry-jobs-1": "B",
    "rumoi-food-health-1": "C",
    "donan-primary-industry-1": "D",
    "hiyama-bureau-towns-1": "−",
    "okhotsk-visits-1": "達成",
    "dohoku-safety-1": "A",
}


def data_dir_with_actuals(tmp: Path) -> Path:
    """Copy data/ to ``tmp/data`` and import the fixture actuals with ``hokkaido-map progress import``."""
    data = tmp / "data"
    shutil.copytree(ROOT / "data", data)
    sheet = tmp / "actuals-fixture.csv"
    sheet.write_text(ACTUALS_CSV, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "geo.cli", "progress", "import", str(sheet), "--data", str(data)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "追加 9件" in done.stdout, done.stdout
    return data

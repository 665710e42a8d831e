"""The inputs in ``tests/cases/outputs/``, copied with ``@REPO@`` replaced by the checkout."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "cases" / "outputs"


def copy_cases(dest: Path) -> Path:
    """Copy every case file into ``dest`` (``@REPO@`` replaced); return ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for f in CASES.iterdir():
        if f.suffix == ".yaml":
            text = f.read_text(encoding="utf-8").replace("@REPO@", str(ROOT))
            (dest / f.name).write_text(text, encoding="utf-8")
        else:
            shutil.copy(f, dest / f.name)
    return dest

"""The 54 commune-level units of Quảng Ninh, from the packaged reference table.

``sim/data/units.csv`` is a copy of the project's reference data with one column added:
``former_district`` normalised to the 13 former districts (Hoành Bồ counted with Hạ Long, the
three straddling units with the district that holds their seat) and ``district_centre``
marking the unit that hosts the former district's seat (an assumption used for second-tier
agency desks and for the centre attraction of phi-địa-giới submissions).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import pandas as pd

UNIT_TYPES = ("phường", "xã", "đặc khu")


@dataclass(frozen=True)
class UnitTable:
    """Read-only view of the packaged units table."""

    frame: pd.DataFrame

    @property
    def codes(self) -> list[str]:
        return list(self.frame["code"])

    def name(self, code: str) -> str:
        return str(self.frame.loc[self.frame["code"] == code, "name"].iloc[0])


@lru_cache(maxsize=1)
def load_units() -> UnitTable:
    """Load the packaged table of the 54 units (cached; nothing is read at import)."""
    path = resources.files("sim") / "data" / "units.csv"
    with path.open(encoding="utf-8") as fh:
        frame = pd.read_csv(fh, dtype={"code": str, "name": str, "type": str})
    frame["population"] = frame["population"].astype("int64")
    frame["district_centre"] = frame["district_centre"].astype(bool)
    return UnitTable(frame=frame)


@lru_cache(maxsize=1)
def load_holidays() -> pd.DataFrame:
    """Packaged Vietnamese public holidays and make-up working days (2025-2026)."""
    path = resources.files("sim") / "data" / "holidays_vn.csv"
    with path.open(encoding="utf-8") as fh:
        frame = pd.read_csv(fh, dtype=str)
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    return frame

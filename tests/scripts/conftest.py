"""Tests of the developer stack in scripts/cxmdev: pure parts and small real processes.

None of them touches the database. scripts/ is not a package on the path, so put it there the
way `python scripts/devstack.py` does.
"""

from __future__ import annotations

import sys
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))

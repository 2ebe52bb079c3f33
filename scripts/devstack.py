#!/usr/bin/env python3
"""cxm's developer stack (see cxmdev/): `python scripts/devstack.py run|test|bench|clean-devdata`.

Run as a script, so scripts/ is on sys.path and the cxmdev package imports without installing.
"""

from __future__ import annotations

import sys

from cxmdev.cli import main

if __name__ == "__main__":
    sys.exit(main())

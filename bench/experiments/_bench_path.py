"""Puts bench/ on the import path, so that an experiment run as `python bench/experiments/X.py`
imports the product benchmarks' shared modules (`common`, `find`, `generate`) as they do."""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = str(Path(__file__).resolve().parent.parent)
if BENCH not in sys.path:
    sys.path.insert(1, BENCH)

"""The measured recall of each decontamination method, which a dataset card quotes."""

from __future__ import annotations

import json
from pathlib import Path

# Recall per edit kind of each method, measured by bench/decontam.py --write (kept beside the package).
RECALL_FILE = Path(__file__).resolve().parent.parent / "decontam_recall.json"


def recall_table() -> dict:
    """The measured recall of each method ({} where it was never measured)."""
    return json.loads(RECALL_FILE.read_text()) if RECALL_FILE.exists() else {}

"""The same recipe on the same inputs writes the same Parquet as the code before the stage registry did:
every deterministic document stage, fused or a barrier, pinned by the sha256s that code wrote (and
the decontamination side table, new since, by what it first wrote)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from support import TESTS

from flows.build import build_flow

GOLDEN = TESTS / "data" / "golden"
SHA256 = json.loads((GOLDEN / "sha256.json").read_text())


@pytest.mark.slow
@pytest.mark.parametrize("recipe", ["curation", "records"])
def test_parquet_is_byte_for_byte_what_the_previous_code_wrote(recipe, state, out):
    result = build_flow(recipe=str(GOLDEN / f"{recipe}.yaml"), out=str(out))
    path = Path(result["path"])
    expected = SHA256[f"golden-{recipe}"]
    written = {str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
               for p in sorted(path.glob("**/*.parquet"))}
    assert written == expected

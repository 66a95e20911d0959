"""docs/web.md's permission table is the code's table."""

from __future__ import annotations

from pathlib import Path

from civicgrid.web.permissions import PERMISSIONS, ROLE_PERMISSIONS

DOC = Path(__file__).resolve().parents[2] / "docs" / "web.md"


def test_permission_table_in_docs_matches_the_code():
    lines = [ln for ln in DOC.read_text(encoding="utf-8").splitlines() if ln.startswith("| `") and "✓" in ln]
    header = next(ln for ln in DOC.read_text(encoding="utf-8").splitlines() if ln.startswith("| permission | what |"))
    roles = [c.strip() for c in header.strip("|").split("|")][2:]
    assert roles == list(ROLE_PERMISSIONS)
    documented = {}
    for ln in lines:
        cells = [c.strip() for c in ln.strip("|").split("|")]
        perm = cells[0].strip("`")
        assert cells[1] == PERMISSIONS[perm], perm
        documented[perm] = {r for r, mark in zip(roles, cells[2:]) if mark == "✓"}
    assert set(documented) == set(PERMISSIONS)
    for perm, who in documented.items():
        assert who == {r for r, ps in ROLE_PERMISSIONS.items() if perm in ps}, perm

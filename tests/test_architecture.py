"""The engine door stays small: only app.engine imports SpiffWorkflow."""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).parents[1] / "src" / "app"
IMPORT = re.compile(r"^\s*(from|import)\s+SpiffWorkflow", re.M)


def test_only_the_engine_package_imports_spiffworkflow():
    offenders = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if "engine" not in path.relative_to(SRC).parts[:1] and IMPORT.search(path.read_text())
    ]
    assert offenders == []


def test_only_the_transaction_boundary_commits():
    committing = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if "session.commit()" in path.read_text() and "migrations" not in path.parts
    ]
    assert committing == ["services/transaction.py"]

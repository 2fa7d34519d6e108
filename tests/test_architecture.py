"""The house rules that code can break without a test failing elsewhere: only app.engine
imports SpiffWorkflow, and only the transaction boundary commits."""

from __future__ import annotations

import ast
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


def _commits(path: Path, root: Path = SRC) -> list[str]:
    """Every call in the module that commits or opens a self-committing block, however it
    is spelt: `x.commit()`, `getattr(x, "commit")()`, `engine.begin()`, a commit passed
    on as a function (`after(session.commit)`)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Attribute) and node.attr in ("commit", "begin"):
            found.append(f"{path.relative_to(root)}:{node.lineno} {ast.unparse(node)}")
        elif isinstance(node, ast.Constant) and node.value in ("commit", "COMMIT"):
            found.append(f"{path.relative_to(root)}:{node.lineno} {node.value!r}")
    return found


def test_only_the_transaction_boundary_commits():
    committing = [
        place
        for path in SRC.rglob("*.py")
        if "migrations" not in path.relative_to(SRC).parts
        for place in _commits(path)
    ]
    assert [place.split(":")[0] for place in committing] == ["services/transaction.py"], committing


def test_the_commit_check_sees_every_spelling(tmp_path):
    spellings = [
        "db.session.commit()",
        "session = db.session\nsession.commit()",
        'getattr(db.session, "commit")()',
        "with db.engine.begin() as connection:\n    pass",
        "after_rollback(db.session.commit)",
        'db.session.execute(text("COMMIT"))',
    ]
    for index, code in enumerate(spellings):
        module = tmp_path / f"probe_{index}.py"
        module.write_text(code + "\n")
        assert _commits(module, tmp_path), code

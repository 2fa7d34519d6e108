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
    assert [place.split(":")[0] for place in committing] == [
        "services/foundation/transaction.py"
    ], committing


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


# Role codes are written once, in models/org.py (RoleCode, with labels and scopes);
# migrations, diagrams and tests may spell them, the application code names the member.
ROLE_SOURCE = "models/org.py"
# A literal that spells a role code but means something else, each with its reason.
NOT_A_ROLE = {
    # DECISIONS: finance's decision "send to expert review", not the role.
    ("web/filters.py", "expert"),
    # The demo expert's username.
    ("services/demo/year.py", "expert"),
    ("services/operations/setup.py", "expert"),
    # The engine imports nothing of the app's models: the external-task lane it compiles
    # is its own constant (interop's foreign_common.py), checked against RoleCode below.
    ("engine/foreign_common.py", "service_worker"),
}


def _codes() -> set[str]:
    from app.models.org import RoleCode

    return {str(code) for code in RoleCode}


def _role_literals(path: Path, root: Path = SRC) -> list[tuple[str, str, int]]:
    codes = _codes()
    return [
        (str(path.relative_to(root)), node.value, node.lineno)
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and node.value in codes
    ]


def test_role_codes_are_spelt_only_in_their_one_source():
    found = [
        (where, literal, line)
        for path in SRC.rglob("*.py")
        if "migrations" not in path.relative_to(SRC).parts
        for where, literal, line in _role_literals(path)
        if where != ROLE_SOURCE and (where, literal) not in NOT_A_ROLE
    ]
    templates = [
        f"{path.relative_to(SRC)}: {literal}"
        for path in (SRC / "templates").rglob("*.html")
        for literal in re.findall(r"[\"'](\w+)[\"']", path.read_text())
        # "expert" is also a decision and a username: the Python check covers it.
        if literal in _codes() - {"expert"}
    ]
    assert found == [] and templates == []


def test_the_engine_s_own_role_constant_is_a_role_code():
    from app.engine.foreign_common import SERVICE_WORKER_ROLE
    from app.models.org import RoleCode

    assert SERVICE_WORKER_ROLE == RoleCode.SERVICE_WORKER


def test_the_role_literal_check_sees_a_stray_code(tmp_path):
    module = tmp_path / "probe.py"
    module.write_text('if "finance_bureau" in user.role_codes:\n    pass\n')
    assert _role_literals(module, tmp_path) == [("probe.py", "finance_bureau", 1)]


def test_every_role_has_a_label_and_a_scope_and_every_status_a_label():
    from app.models.instance import STATUS_LABELS, InstanceStatus
    from app.models.org import ROLE_LABELS, ROLE_SCOPES, SCOPES, RoleCode
    from app.models.task import TASK_STATUS_LABELS

    assert set(ROLE_LABELS) == set(ROLE_SCOPES) == set(RoleCode)
    assert set(ROLE_SCOPES.values()) <= set(SCOPES)
    assert set(STATUS_LABELS) == set(InstanceStatus)
    assert set(TASK_STATUS_LABELS) == {"ready", "completed", "cancelled"}


# A second name for one role (FINANCE_ROLE = RoleCode.FINANCE_BUREAU) is how one role got
# three constant names: name the member itself.


def _role_aliases(path: Path, root: Path = SRC) -> list[str]:
    return [
        f"{path.relative_to(root)}:{node.lineno} {ast.unparse(node)}"
        for node in ast.parse(path.read_text()).body
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Attribute)
        and isinstance(node.value.value, ast.Name)
        and node.value.value.id == "RoleCode"
    ]


def test_no_module_gives_a_role_a_second_name():
    aliases = [alias for path in SRC.rglob("*.py") for alias in _role_aliases(path)]
    assert aliases == []


def test_the_alias_check_sees_one(tmp_path):
    module = tmp_path / "probe.py"
    module.write_text("FINANCE_ROLE = RoleCode.FINANCE_BUREAU\n")
    assert _role_aliases(module, tmp_path) == ["probe.py:1 FINANCE_ROLE = RoleCode.FINANCE_BUREAU"]


# What start-up sets up (the script engine, the job handlers) lives on the app, in
# `app.extensions`, where two apps in one process cannot overwrite each other's: no
# function rebinds a module's global. Pending: the thresholds provider, its owner's.
GLOBALS_PENDING = {"performance/operators.py"}


def _rebound_globals(path: Path, root: Path = SRC) -> list[str]:
    """Every `global` statement and `globals()` call in the module."""
    return [
        f"{path.relative_to(root)}:{node.lineno} {ast.unparse(node)}"
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Global)
        or (isinstance(node, ast.Call) and ast.unparse(node.func) == "globals")
    ]


def test_no_module_rebinds_a_global_at_run_time():
    rebound = [
        place
        for path in SRC.rglob("*.py")
        if str(path.relative_to(SRC)) not in GLOBALS_PENDING
        for place in _rebound_globals(path)
    ]
    assert rebound == []


def test_the_global_check_sees_both_spellings(tmp_path):
    for index, code in enumerate(["def f():\n    global x\n    x = 1", 'globals()["x"] = 1']):
        module = tmp_path / f"probe_{index}.py"
        module.write_text(code + "\n")
        assert _rebound_globals(module, tmp_path), code


# Whether someone may see or do something is decided in services/foundation/policy.py: no other
# module reads a user's roles or their scopes. A role row's scope is also read where the
# rows are seeded from RoleCode.
ROLE_CHECKS_ALLOWED = {"services/foundation/policy.py", "services/operations/setup.py"}
SCOPES = {"SCOPE_ALL", "SCOPE_OWN", "SCOPE_SUBTREE", "SCOPE_ASSIGNED"}


def _role_checks(path: Path, root: Path = SRC) -> list[str]:
    """A user's roles read in Python (`user.roles`; not `User.roles`, the relationship
    named in SQL, nor a form's `roles` field, nor setting them), a role looked up in
    their role codes (`… in user.role_codes`), a scope read, or a has_role() call."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Compare) and any(
            isinstance(right, ast.Attribute) and right.attr == "role_codes"
            for right in node.comparators
        ):
            found.append(f"{path.relative_to(root)}:{node.lineno} {ast.unparse(node)}")
        elif isinstance(node, ast.Attribute) and node.attr == "roles":
            named = node.value.id if isinstance(node.value, ast.Name) else None
            if isinstance(node.ctx, ast.Load) and named not in ("User", "form"):
                found.append(f"{path.relative_to(root)}:{node.lineno} {ast.unparse(node)}")
        elif isinstance(node, ast.Attribute) and node.attr == "scope":
            found.append(f"{path.relative_to(root)}:{node.lineno} {ast.unparse(node)}")
        elif isinstance(node, ast.Name) and node.id in SCOPES | {"has_role"}:
            found.append(f"{path.relative_to(root)}:{node.lineno} {node.id}")
    return found


def test_no_module_but_the_policy_checks_roles():
    found = [
        place
        for path in SRC.rglob("*.py")
        if path.relative_to(SRC).parts[0] not in ("models", "migrations")
        and str(path.relative_to(SRC)) not in ROLE_CHECKS_ALLOWED
        for place in _role_checks(path)
    ]
    assert found == []


def test_the_role_check_sees_each_spelling(tmp_path):
    spellings = [
        "if any(role.scope == SCOPE_ALL for role in user.roles):\n    pass",
        "scopes = {r.scope for r in actor.roles}",
        "allowed = has_role(user, 'x')",
        "if RoleCode.FINANCE_BUREAU not in actor.role_codes:\n    pass",
        "allowed = role in target.role_codes",
    ]
    for index, code in enumerate(spellings):
        module = tmp_path / f"probe_{index}.py"
        module.write_text(code + "\n")
        assert _role_checks(module, tmp_path), code
    (tmp_path / "sql.py").write_text("query = select(User).where(User.roles.any())\n")
    assert _role_checks(tmp_path / "sql.py", tmp_path) == []

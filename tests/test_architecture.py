"""The house rules that code can break without a test failing elsewhere: only app.engine
imports SpiffWorkflow, only the transaction boundary commits, no import circle, no module
over 600 lines, and the rooms of services/ import each other only as their map allows."""

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


# -- the shape of the house: no import circle, small modules, rooms that keep their doors --

MAX_LINES = 600


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_only(tree: ast.Module) -> set[int]:
    """The ids of the nodes under `if TYPE_CHECKING:`: imports for annotations, never run."""
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) in (
            "TYPE_CHECKING",
            "typing.TYPE_CHECKING",
        ):
            skipped |= {id(inner) for statement in node.body for inner in ast.walk(statement)}
    return skipped


def _imports(root: Path = SRC) -> dict[str, set[str]]:
    """Every module of the package at `root` with the package's modules it imports, at the
    top or inside a function alike (either runs), but not under `if TYPE_CHECKING:`.
    `from package import name` names the module `package.name` when there is one."""
    paths = {_module_name(path, root): path for path in root.rglob("*.py")}

    def known(name: str) -> str | None:
        while name and name not in paths:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for module, path in paths.items():
        tree = ast.parse(path.read_text())
        skipped = _type_checking_only(tree)
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        found: set[str | None] = set()
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            if isinstance(node, ast.Import):
                found |= {known(alias.name) for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    source = ".".join(base + ([node.module] if node.module else []))
                else:
                    source = node.module or ""
                named = {f"{source}.{alias.name}" for alias in node.names} & paths.keys()
                found |= named or {known(source)}
        graph[module] = {name for name in found if name and name != module}
    return graph


def _circle(graph: dict[str, set[str]]) -> list[str]:
    """One import circle of `graph` (its modules in order, the first again at the end),
    or [] when there is none."""
    state: dict[str, str] = {}  # "open" while on the path, "done" once every way is walked
    path: list[str] = []

    def walk(module: str) -> list[str]:
        state[module] = "open"
        path.append(module)
        for imported in sorted(graph.get(module, ())):
            if state.get(imported) == "open":
                return [*path[path.index(imported) :], imported]
            if imported not in state and (circle := walk(imported)):
                return circle
        path.pop()
        state[module] = "done"
        return []

    for module in sorted(graph):
        if module not in state and (circle := walk(module)):
            return circle
    return []


def test_no_import_circle_anywhere_in_the_app():
    circle = _circle(_imports())
    assert circle == [], "import circle: " + " -> ".join(circle)


def test_the_circle_check_sees_one_through_a_function_and_not_a_type_check(tmp_path):
    package = tmp_path / "app"
    (package / "web").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "jobs.py").write_text("def run():\n    from app.web import routes\n")
    (package / "web" / "__init__.py").write_text("from app.web import routes\n")
    (package / "web" / "routes.py").write_text("from app import jobs\n")
    assert _circle(_imports(package)) == ["app.jobs", "app.web.routes", "app.jobs"]
    (package / "jobs.py").write_text(
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from app.web import routes\n"
    )
    assert _circle(_imports(package)) == []
    (package / "web" / "routes.py").write_text("from .. import web\n")
    assert _circle(_imports(package)) == ["app.web", "app.web.routes", "app.web"]


def _long_modules(root: Path = SRC) -> list[str]:
    return [
        f"{path.relative_to(root)}: {lines} lines"
        for path in sorted(root.rglob("*.py"))
        if (lines := len(path.read_text().splitlines())) > MAX_LINES
    ]


def test_no_module_is_over_600_lines():
    assert _long_modules() == [], "split these by idea, not into a util.py"


def test_the_length_check_sees_the_601st_line(tmp_path):
    (tmp_path / "short.py").write_text("x = 1\n" * MAX_LINES)
    (tmp_path / "long.py").write_text("x = 1\n" * (MAX_LINES + 1))
    assert _long_modules(tmp_path) == ["long.py: 601 lines"]


MAY_IMPORT = re.compile(r"It may import:\s*(.+?)\.\s*$", re.S)


def _rooms(root: Path = SRC) -> dict[str, set[str]]:
    """Each room of services/ with the rooms it may import, as the last sentence of its
    __init__.py says ("It may import: a, b." or "It may import: nothing."). Raises
    AssertionError for a room without that sentence."""
    rooms = {}
    for init in sorted((root / "services").glob("*/__init__.py")):
        said = MAY_IMPORT.search(ast.get_docstring(ast.parse(init.read_text())) or "")
        assert said, f"{init.relative_to(root)} does not say what its room may import"
        names = {name.strip() for name in " ".join(said.group(1).split()).split(",")}
        rooms[init.parent.name] = names - {"nothing"}
    return rooms


def _crossings(root: Path = SRC) -> list[str]:
    """Every import from one room of services/ into another its room may not import, and
    every module of services/ outside a room."""
    rooms = _rooms(root)
    prefix = _module_name(root, root) + ".services."

    def room_of(module: str) -> str | None:
        return module[len(prefix) :].split(".")[0] if module.startswith(prefix) else None

    found = [
        f"{path.relative_to(root)} is in no room"
        for path in sorted((root / "services").glob("*.py"))
        if path.name != "__init__.py"
    ]
    for module, imported in sorted(_imports(root).items()):
        source = room_of(module)
        for target in sorted(filter(None, map(room_of, imported))):
            if source and target != source and target not in rooms.get(source, set()):
                found.append(f"{module} imports room {target}")
    return found


def test_the_services_are_rooms_that_import_each_other_only_as_the_map_allows():
    assert set(_rooms()) == {
        "foundation",
        "runtime",
        "accounts",
        "administration",
        "registry",
        "tracking",
        "documents",
        "operations",
        "demo",
    }
    assert _crossings() == []


def test_the_room_check_sees_a_door_the_map_does_not_draw(tmp_path):
    package = tmp_path / "app"
    for room, allowed in (("plumbing", "nothing"), ("desk", "plumbing"), ("wing", "desk")):
        (package / "services" / room).mkdir(parents=True)
        (package / "services" / room / "__init__.py").write_text(
            f'"""What {room} owns, in one paragraph.\nIt may import:\n{allowed}."""\n'
        )
    (package / "__init__.py").write_text("")
    (package / "services" / "__init__.py").write_text("")
    (package / "services" / "plumbing" / "queue.py").write_text(
        "def run():\n    from app.services.desk import work\n"
    )
    (package / "services" / "desk" / "work.py").write_text(
        "from app.services.plumbing import queue\n"
    )
    (package / "services" / "wing" / "door.py").write_text("import app.services.desk.work\n")
    (package / "services" / "loose.py").write_text("")
    assert _rooms(package) == {"plumbing": set(), "desk": {"plumbing"}, "wing": {"desk"}}
    assert _crossings(package) == [
        "services/loose.py is in no room",
        "app.services.plumbing.queue imports room desk",
    ]
    (package / "services" / "wing" / "__init__.py").write_text('"""What wing owns."""\n')
    try:
        _rooms(package)
    except AssertionError as refused:
        assert "services/wing/__init__.py does not say" in str(refused)
    else:
        raise AssertionError("a room without its map sentence passed")

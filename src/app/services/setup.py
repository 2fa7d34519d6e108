"""First-run set-up: the roles every diagram's lanes name, and the demo county."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from app.models import Org, ProcessDefinition, Role, Setting, User
from app.models.org import SCOPE_ALL, SCOPE_ASSIGNED, SCOPE_OWN, SCOPE_SUBTREE
from app.services.accounts import DEMO_PASSWORD
from app.services.deployment import deploy_definition
from app.services.errors import LintFailed
from app.services.transaction import transactional

# The roles of domain/BRIEF.md: code, display name, scope.
ROLES = (
    ("budget_unit", "部门预算单位", SCOPE_OWN),
    ("budget_department", "预算部门", SCOPE_SUBTREE),
    ("finance_bureau", "财政部门", SCOPE_ALL),
    ("expert", "评审专家", SCOPE_ASSIGNED),
    ("county_government", "县政府", SCOPE_ALL),
    ("peoples_congress", "县人大", SCOPE_ALL),
    # Administers definitions, not submissions: sees no task and no submission.
    ("process_admin", "流程管理员", SCOPE_ASSIGNED),
    # Administers accounts (policy.USER_ADMIN_ROLE): likewise sees no task or submission.
    ("user_admin", "账号管理员", SCOPE_ASSIGNED),
    # External-task workers' accounts (api/engine_rest.py): fetch and do external service
    # tasks by topic, and see no inbox and no submission.
    ("service_worker", "外部任务执行者", SCOPE_ASSIGNED),
)

# code, name, kind, parent code
DEMO_ORGS = (
    ("county", "示范县", "county", None),
    ("finance", "县财政局", "department", "county"),
    ("gov", "县人民政府", "department", "county"),
    ("congress", "县人大常委会", "department", "county"),
    ("experts", "县财政评审专家库", "department", "county"),
    ("edu", "县教育局", "department", "county"),
    ("edu-school1", "县第一中学", "unit", "edu"),
    ("edu-school2", "县实验小学", "unit", "edu"),
    ("health", "县卫生健康局", "department", "county"),
    ("health-hospital", "县人民医院", "unit", "health"),
)

# username, display name, org code, role codes (a single one, or several joined by "+")
DEMO_USERS = (
    ("unit", "李明（县第一中学）", "edu-school1", "budget_unit"),
    ("unit3", "郑洁（县实验小学）", "edu-school2", "budget_unit"),
    ("dept", "王芳（县教育局）", "edu", "budget_department"),
    ("unit2", "赵强（县人民医院）", "health-hospital", "budget_unit"),
    ("dept2", "陈静（县卫生健康局）", "health", "budget_department"),
    ("finance", "张伟（县财政局预算股）", "finance", "finance_bureau"),
    ("expert", "刘洋（评审专家）", "experts", "expert"),
    ("gov", "孙丽（县政府）", "gov", "county_government"),
    ("congress", "周军（县人大）", "congress", "peoples_congress"),
    # One administrator for the demo; a county would give accounts to someone else.
    ("admin", "吴磊（流程管理员）", "finance", "process_admin+user_admin"),
)


@transactional
def ensure_roles() -> None:
    """Create the built-in roles that are missing; never touches existing ones."""
    existing = set(db.session.scalars(select(Role.code)))
    for code, name, scope in ROLES:
        if code not in existing:
            db.session.add(Role(code=code, name=name, scope=scope))


def add_org(code: str, name: str, kind: str, parent: Org | None) -> Org:
    org = Org(code=code, name=name, kind=kind, parent_id=parent.id if parent else None)
    db.session.add(org)
    db.session.flush()
    org.path = f"{parent.path if parent else '/'}{org.id}/"
    return org


def add_user(
    username: str, display_name: str, org: Org, role_codes: list[str], password: str
) -> User:
    user = User(username=username, display_name=display_name, org_id=org.id)
    user.set_password(password)
    user.roles = [db.session.get(Role, code) for code in role_codes]
    db.session.add(user)
    db.session.flush()
    return user


@transactional
def create_demo_county() -> bool:
    """Add the demo county of DESIGN.md unless it is there. Returns whether it was added."""
    ensure_roles()
    if db.session.scalar(select(User).where(User.username == "unit")) is not None:
        return False
    orgs: dict[str, Org] = {}
    for code, name, kind, parent in DEMO_ORGS:
        orgs[code] = add_org(code, name, kind, orgs.get(parent) if parent else None)
    for username, display, org_code, roles in DEMO_USERS:
        add_user(username, display, orgs[org_code], roles.split("+"), DEMO_PASSWORD)
    db.session.merge(Setting(key="demo", value=True))
    return True


@transactional
def deploy_folder(
    processes: Path, forms: Path, actor: User | None = None
) -> list[ProcessDefinition]:
    """Deploy every diagram under `processes` whose content is not deployed yet."""
    available = {path.name: path.read_bytes() for path in sorted(forms.glob("*.json"))}
    # Decision tables live beside the diagrams and go with each of them.
    decisions = {path.name: path.read_bytes() for path in sorted(processes.glob("*.dmn"))}
    deployed = []
    for path in sorted(processes.glob("*.bpmn")):
        content = path.read_text(encoding="utf-8")
        if db.session.scalar(
            select(ProcessDefinition.id).where(ProcessDefinition.bpmn_xml == content)
        ):
            continue
        try:
            deployed.append(
                deploy_definition(
                    actor, content.encode(), path.name, decisions, "随系统部署", available
                )
            )
        except LintFailed as exc:
            raise LintFailed(f"{path.name}: {exc.message}", exc.details) from exc
    return deployed

"""First-run set-up: the roles every diagram's lanes name, and the demo county."""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select

from app.extensions import db
from app.models import Org, ProcessDefinition, Role, Setting, User
from app.models.org import RoleCode
from app.services.accounts.credentials import DEMO_PASSWORD
from app.services.administration.deployment import deploy_definition
from app.services.foundation.errors import LintFailed
from app.services.foundation.transaction import transactional

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

# username, display name, org code, roles
DEMO_USERS = (
    ("unit", "李明（县第一中学）", "edu-school1", (RoleCode.BUDGET_UNIT,)),
    ("unit3", "郑洁（县实验小学）", "edu-school2", (RoleCode.BUDGET_UNIT,)),
    ("dept", "王芳（县教育局）", "edu", (RoleCode.BUDGET_DEPARTMENT,)),
    ("unit2", "赵强（县人民医院）", "health-hospital", (RoleCode.BUDGET_UNIT,)),
    ("dept2", "陈静（县卫生健康局）", "health", (RoleCode.BUDGET_DEPARTMENT,)),
    ("finance", "张伟（县财政局预算股）", "finance", (RoleCode.FINANCE_BUREAU,)),
    ("expert", "刘洋（评审专家）", "experts", (RoleCode.EXPERT,)),
    ("gov", "孙丽（县政府）", "gov", (RoleCode.COUNTY_GOVERNMENT,)),
    ("congress", "周军（县人大）", "congress", (RoleCode.PEOPLES_CONGRESS,)),
    # One administrator for the demo; a county would give accounts to someone else.
    ("admin", "吴磊（流程管理员）", "finance", (RoleCode.PROCESS_ADMIN, RoleCode.USER_ADMIN)),
)


@transactional
def ensure_roles() -> None:
    """Create the built-in roles (models/org.py RoleCode) that are missing, named in the
    county's language; never touches existing ones."""
    existing = set(db.session.scalars(select(Role.code)))
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        for code in RoleCode:
            if code not in existing:
                db.session.add(Role(code=str(code), name=str(code.label), scope=code.scope))


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
        add_user(username, display, orgs[org_code], [str(role) for role in roles], DEMO_PASSWORD)
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

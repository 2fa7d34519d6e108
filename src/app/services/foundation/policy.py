"""Who may see and do what. Every service asks here; templates and routes never decide.

Visibility follows the role's scope: a role held within one's own org, the org's
subtree, everything, or only what is assigned by name. Objects someone may not see are
reported as not found, so their existence does not leak.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, exists, false, inspect, or_, select, true
from sqlalchemy.orm import aliased, contains_eager, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app.extensions import db
from app.models import Org, ProcessDefinition, ProcessInstance, Project, Role, Task, User, UserRole
from app.models.org import SCOPE_ALL, SCOPE_ASSIGNED, SCOPE_OWN, SCOPE_SUBTREE, RoleCode
from app.services.foundation.errors import Forbidden


def roles_of(user: User) -> list[Role]:
    """The roles of `user`, as loaded with them (models.org.ACTING: sessions, tokens, jobs).

    A user read back after a commit by another query (a task's holder, joined by the
    task's own refresh) comes back without them; they are read then, by one explicit
    statement, rather than failing the request on `raise`."""
    if "roles" in inspect(user).unloaded:
        roles = list(
            db.session.scalars(
                select(Role)
                .join(UserRole, UserRole.role_code == Role.code)
                .where(UserRole.user_id == user.id)
            )
        )
        set_committed_value(user, "roles", roles)
    return user.roles


def org_of(user: User) -> Org:
    """The org of `user`, as loaded with them; else from the session (by id, no statement
    when it holds it), for the same reason as `roles_of`."""
    if "org" in inspect(user).unloaded:
        set_committed_value(user, "org", db.session.get(Org, user.org_id))
    return user.org


def _role_codes(user: User) -> set[str]:
    return {role.code for role in roles_of(user)}


def task_visibility(user: User) -> ColumnElement[bool]:
    """The SQL condition selecting the tasks `user` may see (the inbox's filter)."""
    return or_(*task_visibility_arms(user))


def task_visibility_arms(user: User) -> list[ColumnElement[bool]]:
    """`task_visibility` as its separate arms (assigned to me; each role's pool), for a
    query that reads each arm from its own index and unites them."""
    clauses: list[ColumnElement[bool]] = [Task.assignee_id == user.id]
    subtree = org_of(user).path
    for role in roles_of(user):
        if role.scope == SCOPE_ALL:
            clauses.append(Task.role_code == role.code)
        elif role.scope == SCOPE_SUBTREE:
            clauses.append((Task.role_code == role.code) & Task.org_path.startswith(subtree))
        elif role.scope == SCOPE_OWN:
            clauses.append((Task.role_code == role.code) & (Task.org_id == user.org_id))
        # SCOPE_ASSIGNED: only the assignee clause above.
    return clauses


def instance_visibility(user: User) -> ColumnElement[bool]:
    """The SQL condition selecting the submissions `user` may see."""
    scopes = {role.scope for role in roles_of(user)}
    if SCOPE_ALL in scopes:
        return true()
    clauses: list[ColumnElement[bool]] = [ProcessInstance.started_by_id == user.id]
    if SCOPE_SUBTREE in scopes:
        clauses.append(ProcessInstance.org_path.startswith(org_of(user).path))
    if SCOPE_OWN in scopes:
        clauses.append(ProcessInstance.org_id == user.org_id)
    # Experts and anyone once handed a task see that submission. An uncorrelated IN, so
    # the database looks up the (few) handed tasks once by index instead of probing the
    # task table once per submission; aliased, so it stays apart from an outer `task`.
    clauses.append(ProcessInstance.id.in_(_handed_instances(user)))
    return or_(*clauses) if clauses else false()


def task_instance_visibility(user: User) -> ColumnElement[bool]:
    """`instance_visibility` of a task's submission, said through the task's own columns.

    A task copies its submission's org (org_id, org_path) when it opens and neither ever
    changes, so counting tasks per step (tracking) needs no join to every submission.
    """
    scopes = {role.scope for role in roles_of(user)}
    if SCOPE_ALL in scopes:
        return true()
    started = select(ProcessInstance.id).where(ProcessInstance.started_by_id == user.id)
    clauses: list[ColumnElement[bool]] = [Task.instance_id.in_(started)]
    if SCOPE_SUBTREE in scopes:
        clauses.append(Task.org_path.startswith(org_of(user).path))
    if SCOPE_OWN in scopes:
        clauses.append(Task.org_id == user.org_id)
    clauses.append(Task.instance_id.in_(_handed_instances(user)))
    return or_(*clauses)


def _handed_instances(user: User):
    handed = aliased(Task)
    return select(handed.instance_id).where(
        (handed.assignee_id == user.id) | (handed.completed_by_id == user.id)
    )


def sees_loaded_task(user: User, task: Task) -> bool:
    """`task_visibility` for a row already read (its holder, or a role reaching it): what
    a locking read checks in Python rather than in a statement of its own."""
    return task.assignee_id == user.id or holds_role_for(user, task)


def can_see_task(user: User, task: Task) -> bool:
    from app.extensions import db

    return bool(db.session.scalar(select(Task.id).where(Task.id == task.id, task_visibility(user))))


def can_see_instance(user: User, instance: ProcessInstance) -> bool:
    from app.extensions import db

    return bool(
        db.session.scalar(
            select(ProcessInstance.id).where(
                ProcessInstance.id == instance.id, instance_visibility(user)
            )
        )
    )


def project_visibility(user: User) -> ColumnElement[bool]:
    """The SQL condition selecting the projects `user` may see."""
    scopes = {role.scope for role in roles_of(user)}
    if SCOPE_ALL in scopes:
        return true()
    clauses: list[ColumnElement[bool]] = []
    if SCOPE_SUBTREE in scopes:
        unit = aliased(Org)
        clauses.append(
            exists().where(unit.id == Project.unit_id, unit.path.startswith(org_of(user).path))
        )
    if SCOPE_OWN in scopes:
        clauses.append(Project.unit_id == user.org_id)
    if not clauses:  # experts: the projects of the submissions they were handed
        handed = aliased(Task)
        clauses.append(
            Project.id.in_(
                select(ProcessInstance.project_id)
                .join(handed, handed.instance_id == ProcessInstance.id)
                .where((handed.assignee_id == user.id) | (handed.completed_by_id == user.id))
            )
        )
    return or_(*clauses) if clauses else false()


def may_see_department_chart(user: User) -> bool:
    """The execution chart compares departments: for finance and for a department."""
    return bool({role.scope for role in roles_of(user)} & {SCOPE_ALL, SCOPE_SUBTREE})


def holds_role_in_scope(role_code: str, org_id: int, org_path: str) -> ColumnElement[bool]:
    """The SQL condition, on User joined with its UserRole, Role and Org, selecting who
    holds `role_code` with the org (id, path) in their scope: `holds_role_for` in SQL."""
    return (Role.code == role_code) & or_(
        Role.scope == SCOPE_ALL,
        (Role.scope == SCOPE_OWN) & (User.org_id == org_id),
        # The user's org is the task's org or one of its ancestors.
        (Role.scope == SCOPE_SUBTREE) & (Org.id.in_(_path_ids(org_path))),
    )


def eligible_users(task: Task) -> list[User]:
    """Who may act on the task: its holder, or everyone holding its role in scope."""
    if task.assignee_id is not None:
        return [db.session.get(User, task.assignee_id)]  # from the session when there
    return role_holders(task.role_code, task.org_id, task.org_path)


def role_holders(role_code: str, org_id: int, org_path: str) -> list[User]:
    """Active users holding `role_code` with the org (id, path) in their scope."""
    query = (
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .join(Role, Role.code == UserRole.role_code)
        .join(Org, Org.id == User.org_id)
        .where(User.active.is_(True), holds_role_in_scope(role_code, org_id, org_path))
        .order_by(User.id)
        # A reminder asks again whether each may act (policy reads their org and roles).
        .options(contains_eager(User.org), selectinload(User.roles))
    )
    return list(db.session.scalars(query))


def _path_ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


def has_global_scope(user: User) -> bool:
    return any(role.scope == SCOPE_ALL for role in roles_of(user))


def may_start_on_behalf(user: User) -> bool:
    """The finance bureau organises every process of the reform, so it may start any of
    them on behalf of a named organisation (e.g. a round of monitoring for a school)."""
    return RoleCode.FINANCE_BUREAU in _role_codes(user)


def may_see_department(user: User, department_path: str) -> bool:
    """A department's year targets and self-evaluation as a whole: its own staff and units
    (whose projects are grouped under its functions), and those who see everything —
    finance, the county government that receives the report, the congress. Nobody else,
    not another department."""
    return has_global_scope(user) or org_of(user).path.startswith(department_path)


def can_start(user: User, definition: ProcessDefinition, on_behalf: bool = False) -> bool:
    if on_behalf and may_start_on_behalf(user):
        return True
    return definition.starter_role in _role_codes(user)


def require_can_complete(user: User, task: Task) -> None:
    """A claimed task is its holder's alone; an unclaimed one anyone eligible may take."""
    if task.assignee_id is not None and task.assignee_id != user.id:
        assignee = db.session.get(User, task.assignee_id)  # read only for the refusal
        holder = assignee.display_name if assignee else "?"
        raise Forbidden(
            _l("The task is claimed by %(holder)s; only they may complete it.", holder=holder)
        )


def holds_role(user: User, role_code: str) -> bool:
    """Holds `role_code` anywhere, whatever its scope: who a diagram's field may name to
    do a step of that role (the scope then decides nothing: the task is theirs by name),
    and the first thing a reassignment to someone asks (`holds_role_for` the second)."""
    return role_code in _role_codes(user)


def holds_role_for(user: User, task: Task) -> bool:
    """Eligible by role (not merely by being its assignee)."""
    for role in roles_of(user):
        if role.code != task.role_code:
            continue
        if role.scope == SCOPE_ALL:
            return True
        if role.scope == SCOPE_SUBTREE and task.org_path.startswith(org_of(user).path):
            return True
        if role.scope == SCOPE_OWN and task.org_id == user.org_id:
            return True
        if role.scope == SCOPE_ASSIGNED and task.assignee_id == user.id:
            return True
    return False


# Accounts are managed by holders of their own role, not by process administrators: who
# may grant the finance bureau's role (see everything) is a security decision apart from
# who may redraw a diagram (等保 2.0 asks for separate system and security administrators). The
# demo county gives both roles to `admin`; a county gives them to different people.
def may_manage_users(user: User) -> bool:
    return RoleCode.USER_ADMIN in _role_codes(user)


def require_can_manage_users(user: User) -> None:
    if not may_manage_users(user):
        raise Forbidden(_l("Only account administrators may manage users."))


def may_set_roles(actor: User, user: User, role_codes: list[str]) -> bool:
    """An account administrator may give an account any roles, except take their own
    account-administrator role away: that could leave nobody able to manage accounts."""
    return user.id != actor.id or RoleCode.USER_ADMIN in role_codes


def require_can_deploy(user: User) -> None:
    if RoleCode.PROCESS_ADMIN not in _role_codes(user):
        raise Forbidden(_l("Only process administrators may deploy."))


def require_can_handle_incidents(user: User) -> None:
    """Background jobs that gave up (an escalation, an e-mail) are finance's to retry:
    finance runs the rounds those jobs serve."""
    if not may_start_on_behalf(user):
        raise Forbidden(_l("Only the finance bureau handles incidents."))


def require_can_edit_calendar(user: User) -> None:
    """Finance keeps the county's working-day calendar: its due dates depend on it."""
    if not may_start_on_behalf(user):
        raise Forbidden(_l("Only the finance bureau edits the calendar."))


def require_can_set_control_totals(user: User) -> None:
    """控制数 are finance's: it selects the projects that must fit within them."""
    if not may_start_on_behalf(user):
        raise Forbidden(_l("Only the finance bureau sets control totals."))


def may_track(user: User) -> bool:
    """Finance follows every submission; a department those of its own subtree."""
    return may_start_on_behalf(user) or RoleCode.BUDGET_DEPARTMENT in _role_codes(user)


def require_can_track(user: User) -> None:
    if not may_track(user):
        raise Forbidden(_l("Only the finance bureau and budget departments may see tracking."))


def may_chase(actor: User, task: Task) -> bool:
    """Finance chases any task; a department those of its own subtree (催办)."""
    return may_start_on_behalf(actor) or (
        RoleCode.BUDGET_DEPARTMENT in _role_codes(actor)
        and task.org_path.startswith(org_of(actor).path)
    )


def require_can_chase(actor: User, task: Task | None = None) -> None:
    """`task` given: may chase that one; else: may chase anyone at all."""
    allowed = may_chase(actor, task) if task is not None else may_track(actor)
    if not allowed:
        raise Forbidden(_l("Only the finance bureau or the department above may chase."))


def require_service_worker(user: User) -> None:
    """Only accounts holding `service_worker` speak to the external-task workers' interface."""
    if RoleCode.SERVICE_WORKER not in _role_codes(user):
        raise Forbidden(_l("Only external-task worker accounts may fetch external tasks."))


def require_can_send_messages(user: User) -> None:
    """Messages start or resume submissions: a worker's account or finance may send one."""
    if not _role_codes(user) & {RoleCode.SERVICE_WORKER, RoleCode.FINANCE_BUREAU}:
        raise Forbidden(_l("Only service accounts and the finance bureau deliver messages."))


def may_edit_indicators(user: User, department_id: int | None) -> bool:
    """The 共性指标 (`department_id` None) are finance's; a department keeps its own
    个性指标 and no other's; a unit and everyone else only read."""
    if department_id is None:
        return may_start_on_behalf(user)
    return RoleCode.BUDGET_DEPARTMENT in _role_codes(user) and user.org_id == department_id


def require_can_edit_indicators(user: User, department_id: int | None) -> None:
    if not may_edit_indicators(user, department_id):
        if department_id is None:
            raise Forbidden(_l("Only the finance bureau edits the common indicators."))
        raise Forbidden(_l("Only the department itself edits its own indicators."))


def may_read_indicators(user: User, department_path: str | None) -> bool:
    """Everyone reads the 共性指标; a department's 个性指标 whoever may see the
    department as a whole (its units pick from them; finance, the government and the
    congress quote them)."""
    return department_path is None or may_see_department(user, department_path)


def may_verify_rectification(user: User) -> bool:
    """A rectification item is closed by finance's verification alone: the department's
    own "已完成" is a claim (整改清单 in issue 14)."""
    return RoleCode.FINANCE_BUREAU in _role_codes(user)


def require_can_choose_disclosure(user: User) -> None:
    """Which evaluation reports the county publishes (信息公开) is finance's decision: it
    organises the evaluations and answers for what is made public."""
    if not may_start_on_behalf(user):
        raise Forbidden(_l("Only the finance bureau chooses what is disclosed."))


def may_see_county_budget(user: User) -> bool:
    """The county's budget as a whole (every department's projects and amounts): those who
    see every department — finance, which compiles it, the county government and the
    congress, which review and approve it. A department reads its own on its pages."""
    return has_global_scope(user)

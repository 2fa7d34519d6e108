"""Who does a step of a diagram drawn without lanes: Camunda 7's candidate groups, users
and assignee, Camunda 8's assignment definition, else the default role the deployer
picked — written into the diagram as our `role` property (and `assigneeFrom`).

A group naming one of our roles (code or display name) routes to it; a user name to that
account (the steps before the task write the name into a field the task reads as
`assigneeFrom`); `${field}` / `=field` assignees read that field. Whatever none of this
routes takes the default role, with a warning naming the step.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import gettext as _
from lxml import etree

from app.engine.foreign_common import (
    BPMN,
    CAMUNDA,
    ROLE_PROPERTY,
    SPIFF,
    WARNING,
    ZEEBE,
    ImportFinding,
    ImportNotes,
    extensions_of,
    label,
    local_name,
    our_property,
    set_property,
)

_FIELD_EXPRESSION = re.compile(
    r"^\s*(?:[$#]\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}|=\s*([A-Za-z_]\w*))\s*$"
)


@dataclass(frozen=True)
class Directory:
    """How the names a diagram uses for people resolve here (the host supplies it).

    `role`: a group name -> our role code (code or display name), None when unknown;
    `user_roles`: a user name -> that account's role codes, None when no such account.
    """

    role: Callable[[str], str | None]
    user_roles: Callable[[str], list[str] | None]


NO_DIRECTORY = Directory(lambda name: None, lambda name: None)


def _names(value: str | None) -> list[str]:
    """A comma-separated list (or a FEEL list literal) of names."""
    text = (value or "").strip()
    if not text:
        return []
    if text.startswith("=") and text[1:].strip().startswith("["):
        text = text[1:].strip()[1:-1]
    return [n.strip().strip("\"'") for n in re.split(r"[,，]", text) if n.strip().strip("\"'")]


@dataclass
class _Assignment:
    groups: list[str] = field(default_factory=list)
    users: list[str] = field(default_factory=list)
    assignee: str | None = None


def _assignment_of(task: etree._Element) -> _Assignment:
    found = _Assignment(
        groups=_names(task.get(f"{{{CAMUNDA}}}candidateGroups")),
        users=_names(task.get(f"{{{CAMUNDA}}}candidateUsers")),
        assignee=(task.get(f"{{{CAMUNDA}}}assignee") or "").strip() or None,
    )
    for definition in task.iter(f"{{{ZEEBE}}}assignmentDefinition"):
        found.groups += _names(definition.get("candidateGroups"))
        found.users += _names(definition.get("candidateUsers"))
        found.assignee = found.assignee or (definition.get("assignee") or "").strip() or None
    return found


def _starter_assignment(process: etree._Element) -> _Assignment:
    return _Assignment(
        groups=_names(process.get(f"{{{CAMUNDA}}}candidateStarterGroups")),
        users=_names(process.get(f"{{{CAMUNDA}}}candidateStarterUsers")),
    )


def _user_role(roles: list[str], preferred: list[str]) -> str | None:
    """The role a named account does a step in: one the step's groups name, else the
    default role when it holds it, else its first role."""
    for code in preferred:
        if code in roles:
            return code
    return sorted(roles)[0] if roles else None


def _route(
    element: etree._Element,
    wanted: _Assignment,
    directory: Directory,
    default_role: str | None,
    notes: ImportNotes,
    start: bool = False,
) -> str | None:
    """Write the role (and the holder) of a step drawn outside any lane; None when
    nothing routes it (the lint then says so)."""
    element_id, step = element.get("id") or "", label(element)
    problems: list[str] = []
    roles = []
    for group in wanted.groups:
        code = directory.role(group)
        if code is None:
            problems.append(
                _(
                    "The candidate group “%(group)s” of “%(step)s” names no role here.",
                    group=group,
                    step=step,
                )
            )
        elif code not in roles:
            roles.append(code)
    field_name, account, account_roles = None, None, None
    assignee = wanted.assignee
    if assignee is None and len(wanted.users) == 1:
        assignee = wanted.users[0]
    if assignee:
        reference = _FIELD_EXPRESSION.match(assignee)
        if reference:
            field_name = reference.group(1) or reference.group(2)
        elif assignee.startswith(("$", "#", "=")):
            problems.append(
                _(
                    "The assignee expression “%(assignee)s” of “%(step)s” cannot be "
                    "converted: only ${field} is understood.",
                    assignee=assignee,
                    step=step,
                )
            )
        else:
            account_roles = directory.user_roles(assignee)
            if account_roles is None:
                problems.append(_no_account(assignee, step))
            else:
                account = assignee
    elif len(wanted.users) > 1:
        for name in wanted.users:
            user_roles = directory.user_roles(name)
            if user_roles is None:
                problems.append(_no_account(name, step))
            elif not roles:
                shared = _user_role(user_roles, [default_role] if default_role else [])
                if shared:
                    roles.append(shared)
    role = roles[0] if roles else None
    if account is not None:
        preferred = roles + ([default_role] if default_role else [])
        role = _user_role(account_roles or [], preferred)
        if role is None:
            problems.append(
                _(
                    "The account “%(account)s” named by “%(step)s” holds no role.",
                    account=account,
                    step=step,
                )
            )
            account = None
    source = "lane-less"
    if role is not None:
        source = "candidate groups/users" if not account else f"assignee {account}"
    elif default_role:
        role = default_role
        source = "default role"
    for problem in problems:
        notes.findings.append(ImportFinding(element_id, "assignment", problem, WARNING))
    if role is None:
        return None
    if source == "default role":
        notes.findings.append(
            ImportFinding(
                element_id,
                "default-role",
                _(
                    "The start event “%(step)s” is outside any lane and has no usable "
                    "candidate group or user: the default role “%(role)s” starts it.",
                    step=step,
                    role=role,
                )
                if start
                else _(
                    "The task “%(step)s” is outside any lane and has no usable candidate "
                    "group or assignee: the default role “%(role)s” does it.",
                    step=step,
                    role=role,
                ),
                WARNING,
            )
        )
    set_property(element, ROLE_PROPERTY, role, notes, source)
    if field_name:
        set_property(element, "assigneeFrom", field_name, notes, f"assignee {assignee}")
    if account and not _assign_account(element, account, notes):
        notes.findings.append(
            ImportFinding(
                element_id,
                "assignment",
                _(
                    "“%(step)s” comes straight after the start, so it cannot be pinned to "
                    "the account “%(account)s”: anyone holding the role “%(role)s” may do it.",
                    step=step,
                    account=account,
                    role=role,
                ),
                WARNING,
            )
        )
    return role


def _no_account(name: str, step: str) -> str:
    return _("There is no account named “%(name)s” (named by “%(step)s”).", name=name, step=step)


def assignee_field(task_id: str) -> str:
    """The data field a fixed assignee is written to, for `assigneeFrom` to read."""
    return "assigned_to_" + re.sub(r"\W", "_", task_id)


# Steps whose postScript may name a later step's holder: they run our Python scripts.
_SCRIPTED = ("userTask", "manualTask", "task", "scriptTask")
# What a holder's name may pass through on its way back to such a step.
_PASSED = (
    "exclusiveGateway",
    "inclusiveGateway",
    "parallelGateway",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
)


def _writers(task: etree._Element) -> list[etree._Element] | None:
    """The scripted steps every way into `task` passes last (through gateways and
    events); None when a way comes straight from a start or anything else."""
    container = task.getparent()
    nodes = {el.get("id"): el for el in container if isinstance(el.tag, str) and el.get("id")}
    flows = [el for el in container if isinstance(el.tag, str) and local_name(el) == "sequenceFlow"]
    found, seen, queue = [], set(), [task.get("id")]
    while queue:
        target = queue.pop()
        sources = [f.get("sourceRef") for f in flows if f.get("targetRef") == target]
        if not sources:
            return None
        for source in sources:
            if source in seen:
                continue
            seen.add(source)
            node = nodes.get(source)
            kind = local_name(node) if node is not None else ""
            if kind in _SCRIPTED:
                found.append(node)
            elif kind in _PASSED:
                queue.append(source)
            else:
                return None
    return found


def _assign_account(task: etree._Element, username: str, notes: ImportNotes) -> bool:
    """Hand `task` to the account `username`: the steps before it write the name into a
    field, which the task reads as `assigneeFrom`. False when it cannot be done (a way
    into the task comes straight from the start)."""
    writers = _writers(task)
    name = assignee_field(task.get("id") or "")
    if not writers or our_property(task, "assigneeFrom") is not None:
        return False
    set_property(task, "assigneeFrom", name, notes, f"assignee {username}")
    line = f"{name} = {username!r}"
    for writer in writers:
        extensions = extensions_of(writer)
        script = extensions.find(f"{{{SPIFF}}}postScript")
        if script is None:
            script = etree.SubElement(extensions, f"{{{SPIFF}}}postScript")
            script.text = line
        elif line not in (script.text or ""):
            script.text = f"{script.text or ''}\n{line}"
        notes.converted.append(f"{writer.get('id')}: postScript {line}")
    return True


def _in_lanes(root: etree._Element) -> set[str]:
    return {ref.text.strip() for ref in root.iter(f"{{{BPMN}}}flowNodeRef") if ref.text}


def _main_process(root: etree._Element) -> etree._Element | None:
    processes = [
        p
        for p in root.findall(f"{{{BPMN}}}process")
        if p.get("isExecutable", "false").lower() == "true"
    ]
    called = {el.get("calledElement") for el in root.iter(f"{{{BPMN}}}callActivity")}
    processes.sort(key=lambda p: p.get("id") in called)
    return processes[0] if processes else None


def route_steps(
    root: etree._Element, directory: Directory, default_role: str | None, notes: ImportNotes
) -> bool:
    changed = False
    laned = _in_lanes(root)
    steps = (f"{{{BPMN}}}userTask", f"{{{BPMN}}}manualTask", f"{{{BPMN}}}task")
    for task in root.iter(*steps):
        if task.get("id") in laned or our_property(task, ROLE_PROPERTY):
            continue
        if _route(task, _assignment_of(task), directory, default_role, notes):
            changed = True
    main = _main_process(root)
    if main is not None:
        for start in main.findall(f"{{{BPMN}}}startEvent"):
            if start.get("id") in laned or our_property(start, ROLE_PROPERTY):
                continue
            wanted = _starter_assignment(main)
            if _route(start, wanted, directory, default_role, notes, start=True):
                changed = True
    return changed

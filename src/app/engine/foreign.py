"""Diagrams drawn in other editors: Camunda Modeler 7 (camunda:), Camunda Modeler 8
(zeebe:) and spiff-arena's editor (spiffworkflow:, which are our own extensions).

`convert_diagram` is the one conversion every deployment runs (the API, the web import,
the deploy page, the modeler): what has a meaning here is carried over into our own
properties, next to the original, so the stored diagram still exports as drawn:

- who does a user task: its lane (as always); else `camunda:assignee` /
  `camunda:candidateUsers` / `camunda:candidateGroups` or `zeebe:assignmentDefinition`
  (a group naming one of our roles by code or display name routes to that role, a user
  name to that account, an `${field}` / `=field` assignee reads the field as our
  `assigneeFrom` does); else the process's default role the deployer chose, with a
  warning naming the task. The start event likewise (`camunda:candidateStarterGroups`,
  `camunda:candidateStarterUsers`). The result is our property `role` (and
  `assigneeFrom`, or a preScript naming the fixed account);
- `camunda:formKey` / `zeebe:formDefinition formKey` naming a `.json` file -> the form
  (`formJsonSchemaFilename`); other form keys (HTML, Camunda Forms) are reported;
- `camunda:property` / `zeebe:property` named like ours (formJsonSchemaFilename,
  formUiSchemaFilename, dueIn, assigneeFrom) -> the same spiffworkflow property;
- `camunda:dueDate` / `zeebe:taskSchedule dueDate` holding an ISO 8601 duration -> dueIn;
- conditions in Camunda 7's expression language, `${a == "x" && b > 1}`, and simple
  FEEL, `= a > 5 and b = "x"`, -> the Python expression our sandbox evaluates.

What cannot be converted is refused with a finding naming the element and the
expression (a condition calling methods, a due date that is an expression, a service
task implemented in Java) — never kept to fail later. A diagram with nothing to carry
over is returned byte for byte unchanged.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree

from app.engine.xml import parse_xml

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
ZEEBE = "http://camunda.org/schema/zeebe/1.0"
OUR_PROPERTIES = ("formJsonSchemaFilename", "formUiSchemaFilename", "dueIn", "assigneeFrom")
# Our property naming the role of a step drawn outside any lane (a role code).
ROLE_PROPERTY = "role"
_DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$")
_JUEL = re.compile(r"^\s*[$#]\{(.*)\}\s*$", re.S)
_FIELD_EXPRESSION = re.compile(
    r"^\s*(?:[$#]\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}|=\s*([A-Za-z_]\w*))\s*$"
)
ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class ImportFinding:
    """A problem of the conversion, in the lint's shape (element, code, message, severity)."""

    element_id: str
    code: str
    message: str
    severity: str = ERROR


@dataclass
class ImportNotes:
    """What the import carried over or left aside, for the administrator to read, and
    what it could not convert (the findings: errors refuse the deployment)."""

    editor: str = "bpmn"  # camunda | zeebe | spiff-arena | bpmn
    converted: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    findings: list[ImportFinding] = field(default_factory=list)


@dataclass(frozen=True)
class Directory:
    """How the names a diagram uses for people resolve here (the host supplies it).

    `role`: a group name -> our role code (code or display name), None when unknown;
    `user_roles`: a user name -> that account's role codes, None when no such account.
    """

    role: Callable[[str], str | None]
    user_roles: Callable[[str], list[str] | None]


NO_DIRECTORY = Directory(lambda name: None, lambda name: None)


def _editor(root: etree._Element) -> str:
    namespaces = {ns for el in root.iter() if isinstance(el.tag, str) for ns in el.nsmap.values()}
    exporter = (root.get("exporter") or "").lower()
    if ZEEBE in namespaces:
        return "zeebe"
    if CAMUNDA in namespaces:
        return "camunda"
    if SPIFF in namespaces:  # spiff-arena's editor says "Camunda Modeler" as exporter too
        return "spiff-arena"
    return "camunda" if "camunda" in exporter else "bpmn"


def _extensions(task: etree._Element) -> etree._Element:
    extensions = task.find(f"{{{BPMN}}}extensionElements")
    if extensions is None:
        extensions = etree.Element(f"{{{BPMN}}}extensionElements")
        if task.text and not task.text.strip():
            extensions.tail = task.text
        task.insert(0, extensions)
    return extensions


def diagram_editor(content: bytes) -> str:
    """Which editor drew `content` (camunda | zeebe | spiff-arena | bpmn)."""
    try:
        return _editor(parse_xml(content))
    except Exception:  # noqa: BLE001 - unreadable: the lint says why
        return "bpmn"


def _spiff_properties(task: etree._Element) -> etree._Element:
    extensions = _extensions(task)
    properties = extensions.find(f"{{{SPIFF}}}properties")
    if properties is None:
        properties = etree.SubElement(extensions, f"{{{SPIFF}}}properties")
    return properties


def _our_property(task: etree._Element, name: str) -> str | None:
    extensions = task.find(f"{{{BPMN}}}extensionElements")
    if extensions is None:
        return None
    for prop in extensions.iterfind(f"{{{SPIFF}}}properties/{{{SPIFF}}}property"):
        if prop.get("name") == name and (prop.get("value") or "").strip():
            return prop.get("value").strip()
    return None


def _set_property(task: etree._Element, name: str, value: str, notes: ImportNotes, source: str):
    if _our_property(task, name) is not None:
        return False
    prop = etree.SubElement(_spiff_properties(task), f"{{{SPIFF}}}property")
    prop.set("name", name)
    prop.set("value", value)
    notes.converted.append(f"{task.get('id')}: {source} → {name}={value}")
    return True


def _form_file(key: str) -> str | None:
    """A form key naming a JSON file, in any of Camunda's prefixes, as a bare file name."""
    bare = key.split(":")[-1].rsplit("/", 1)[-1].strip()
    return bare if bare.lower().endswith(".json") else None


def _label(element: etree._Element) -> str:
    return element.get("name") or element.get("id") or "?"


def _convert_user_task(task: etree._Element, notes: ImportNotes) -> bool:
    changed = False
    task_id = task.get("id") or ""
    form_keys = [task.get(f"{{{CAMUNDA}}}formKey")]
    form_keys += [f.get("formKey") for f in task.iter(f"{{{ZEEBE}}}formDefinition")]
    for key in filter(None, form_keys):
        filename = _form_file(key)
        if filename:
            changed |= _set_property(task, "formJsonSchemaFilename", filename, notes, "formKey")
        else:
            notes.ignored.append(
                f"{task_id}: formKey “{key}” 不是 JSON Schema 表单 (not a JSON form)"
            )
            notes.findings.append(
                ImportFinding(
                    task_id,
                    "form-key",
                    f"用户任务“{_label(task)}”的表单“{key}”不是 JSON Schema 文件，此处按无表单办理 "
                    f"(form key {key} names no .json form: the task is done without a form)",
                    WARNING,
                )
            )
    for prop in [*task.iter(f"{{{CAMUNDA}}}property"), *task.iter(f"{{{ZEEBE}}}property")]:
        if prop.get("name") in OUR_PROPERTIES and (prop.get("value") or "").strip():
            changed |= _set_property(
                task,
                prop.get("name"),
                prop.get("value").strip(),
                notes,
                etree.QName(prop).localname,
            )
    due_values = [task.get(f"{{{CAMUNDA}}}dueDate")]
    due_values += [s.get("dueDate") for s in task.iter(f"{{{ZEEBE}}}taskSchedule")]
    for due in filter(None, due_values):
        bare = due.strip()
        if bare.startswith("="):  # FEEL: a literal duration is written = duration("P3D")
            literal = re.fullmatch(r"=\s*duration\(\s*\"([^\"]*)\"\s*\)", bare)
            bare = literal.group(1) if literal else bare
        if _DURATION.match(bare):
            changed |= _set_property(task, "dueIn", bare, notes, "dueDate")
        else:
            notes.findings.append(
                ImportFinding(
                    task_id,
                    "due-date",
                    f"用户任务“{_label(task)}”的到期时间“{due}”不是时长，无法换算 "
                    f"(due date {due} is not a duration such as P5D and cannot be converted)",
                )
            )
    return changed


# ---- conditions ---------------------------------------------------------------------

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
      | (?P<number>\d+(?:\.\d+)?)
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<op>==|!=|<=|>=|&&|\|\||[=<>!+\-*/%(),\[\].?:])
    )""",
    re.X,
)
_JUEL_WORDS = {
    "eq": "==",
    "ne": "!=",
    "lt": "<",
    "gt": ">",
    "le": "<=",
    "ge": ">=",
    "div": "/",
    "mod": "%",
    "empty": "not",
    "true": "True",
    "false": "False",
    "null": "None",
}
_FEEL_WORDS = {"true": "True", "false": "False", "null": "None"}
_ALLOWED = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.UnaryOp,
    ast.Not,
    ast.USub,
    ast.UAdd,
    ast.Compare,
    ast.cmpop,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.BinOp,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.Mod,
    ast.Tuple,
    ast.List,
)


def _tokens(text: str) -> list[tuple[str, str]] | None:
    tokens, at = [], 0
    while at < len(text):
        if not text[at:].strip():
            break
        match = _TOKEN.match(text, at)
        if match is None or match.end() == at:
            return None
        kind = match.lastgroup
        tokens.append((kind, match.group(kind)))
        at = match.end()
    return tokens


def translate_condition(text: str, dialect: str) -> str | None:
    """A JUEL (`juel`, without its ${}) or FEEL (`feel`, without its =) condition as the
    Python expression our sandbox evaluates; None when it is more than comparisons,
    and/or/not and arithmetic of fields and literals (method calls, members, ranges)."""
    tokens = _tokens(text)
    if not tokens:
        return None
    words = _JUEL_WORDS if dialect == "juel" else _FEEL_WORDS
    out = []
    for kind, value in tokens:
        if kind == "name":
            value = words.get(value, value)
        elif kind == "op":
            if value in (".", "?", ":"):
                return None  # members, ternaries, ranges: not plain comparisons
            value = {"&&": "and", "||": "or", "!": "not"}.get(value, value)
            if dialect == "feel" and value == "=":
                value = "=="
            elif dialect == "juel" and value == "=":
                return None  # an assignment, not a comparison
        out.append(value)
    python = " ".join(out)
    try:
        tree = ast.parse(python, mode="eval")
    except SyntaxError:
        return None
    if not all(isinstance(node, _ALLOWED) for node in ast.walk(tree)):
        return None
    return ast.unparse(tree)


def _convert_conditions(root: etree._Element, notes: ImportNotes) -> bool:
    changed = False
    for condition in root.iter(f"{{{BPMN}}}conditionExpression"):
        owner = condition.getparent()
        text = (condition.text or "").strip()
        if not text:
            continue
        language = (condition.get("language") or "").strip().lower()
        if language and language not in ("python", "juel", "feel", "s-feel"):
            notes.findings.append(_unconvertible(owner, text, f"language {language}"))
            continue
        juel = _JUEL.match(text)
        if juel:
            python = translate_condition(juel.group(1), "juel")
        elif text.startswith("=") and notes.editor == "zeebe":
            python = translate_condition(text[1:], "feel")
        else:
            continue
        if python is None:
            notes.findings.append(_unconvertible(owner, text))
            continue
        condition.text = python
        notes.converted.append(f"{owner.get('id')}: {text} → {python}")
        changed = True
    return changed


def _unconvertible(owner: etree._Element, text: str, why: str = "") -> ImportFinding:
    extra = f"（{why}）" if why else ""
    return ImportFinding(
        owner.get("id") or "",
        "condition-unconvertible",
        f"“{_label(owner)}”的条件“{text}”{extra}无法换算为本平台的条件：只支持字段与常量的比较、"
        "and/or/not 和算术 (the condition cannot be converted: only comparisons of fields "
        "and literals, and/or/not and arithmetic are understood)",
    )


# ---- implementations that run elsewhere -----------------------------------------------

_JAVA = ("class", "expression", "delegateExpression")
_TASKS_WITH_IMPLEMENTATION = ("serviceTask", "sendTask", "businessRuleTask")


def _refuse_java(root: etree._Element, notes: ImportNotes) -> None:
    for kind in _TASKS_WITH_IMPLEMENTATION:
        for task in root.iter(f"{{{BPMN}}}{kind}"):
            java = [a for a in _JAVA if task.get(f"{{{CAMUNDA}}}{a}")]
            if kind == "businessRuleTask" and task.get(f"{{{CAMUNDA}}}decisionRef"):
                continue  # a decision table, which we run
            if java:
                value = task.get(f"{{{CAMUNDA}}}{java[0]}")
                notes.findings.append(
                    ImportFinding(
                        task.get("id") or "",
                        "java-implementation",
                        f"“{_label(task)}”执行 Java 代码（camunda:{java[0]}=“{value}”），"
                        "本平台无法运行；请改为带主题（topic）的外部任务 "
                        "(runs Java code; make it an external task with a topic)",
                    )
                )
            elif task.get(f"{{{CAMUNDA}}}type") == "external" or (
                task.find(f"{{{BPMN}}}extensionElements/{{{ZEEBE}}}taskDefinition") is not None
            ):
                topic = task.get(f"{{{CAMUNDA}}}topic") or next(
                    (d.get("type") for d in task.iter(f"{{{ZEEBE}}}taskDefinition")), ""
                )
                notes.findings.append(
                    ImportFinding(
                        task.get("id") or "",
                        "external-task",
                        f"“{_label(task)}”等待外部任务执行者（主题“{topic}”），本平台尚未提供外部任务接口，"
                        "流程会停在这里 (waits for an external-task worker on topic "
                        f"{topic}, which this platform does not serve yet: it would wait forever)",
                    )
                )
            elif task.get(f"{{{CAMUNDA}}}connectorId") or any(
                True for _ in task.iter(f"{{{CAMUNDA}}}connector")
            ):
                notes.findings.append(
                    ImportFinding(
                        task.get("id") or "",
                        "java-implementation",
                        f"“{_label(task)}”使用 Camunda 连接器，本平台无法运行；"
                        "请改为带主题的外部任务 "
                        "(uses a Camunda connector, which runs Java code; make it an external "
                        "task with a topic)",
                    )
                )
    for task in root.iter(f"{{{BPMN}}}scriptTask"):
        language = (task.get("scriptFormat") or "python").strip().lower()
        if language not in ("python", "py", "python3", "text/x-python"):
            notes.findings.append(
                ImportFinding(
                    task.get("id") or "",
                    "script-language",
                    f"“{_label(task)}”的脚本语言是 {language}，本平台只运行 Python 脚本 "
                    f"(the script is {language}; only Python scripts run here)",
                )
            )


# ---- who does a step ------------------------------------------------------------------


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
    what: str,
) -> str | None:
    """Write the role (and the holder) of a step drawn outside any lane; None when
    nothing routes it (the lint then says so)."""
    element_id = element.get("id") or ""
    problems: list[str] = []
    roles = []
    for group in wanted.groups:
        code = directory.role(group)
        if code is None:
            problems.append(f"候选组“{group}”不是本平台的角色 (group {group} names no role here)")
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
                f"办理人表达式“{assignee}”无法换算，只支持 ${{字段}} (assignee expression "
                f"{assignee} cannot be converted: only ${{field}} is understood)"
            )
        else:
            account_roles = directory.user_roles(assignee)
            if account_roles is None:
                problems.append(f"没有名为“{assignee}”的账号 (no account named {assignee})")
            else:
                account = assignee
    elif len(wanted.users) > 1:
        for name in wanted.users:
            user_roles = directory.user_roles(name)
            if user_roles is None:
                problems.append(f"没有名为“{name}”的账号 (no account named {name})")
            elif not roles:
                shared = _user_role(user_roles, [default_role] if default_role else [])
                if shared:
                    roles.append(shared)
    role = roles[0] if roles else None
    if account is not None:
        preferred = roles + ([default_role] if default_role else [])
        role = _user_role(account_roles or [], preferred)
        if role is None:
            problems.append(f"账号“{account}”没有任何角色 (the account {account} holds no role)")
            account = None
    source = "lane-less"
    if role is not None:
        source = "candidate groups/users" if not account else f"assignee {account}"
    elif default_role:
        role = default_role
        source = "default role"
    for problem in problems:
        notes.findings.append(
            ImportFinding(
                element_id, "assignment", f"{what}“{_label(element)}”: {problem}", WARNING
            )
        )
    if role is None:
        return None
    if source == "default role":
        notes.findings.append(
            ImportFinding(
                element_id,
                "default-role",
                f"{what}“{_label(element)}”不在泳道内，也没有可用的候选组或办理人，"
                f"由默认角色“{role}”办理 "
                f"(outside any lane with no usable candidate group or assignee: the default "
                f"role {role} does it)",
                WARNING,
            )
        )
    _set_property(element, ROLE_PROPERTY, role, notes, source)
    if field_name:
        _set_property(element, "assigneeFrom", field_name, notes, f"assignee {assignee}")
    if account and not _assign_account(element, account, notes):
        notes.findings.append(
            ImportFinding(
                element_id,
                "assignment",
                f"{what}“{_label(element)}”紧接开始事件，无法指定给账号“{account}”，由角色“{role}”"
                f"的任何人办理 (comes straight after the start: it cannot be pinned to "
                f"{account}, anyone holding the role {role} may do it)",
                WARNING,
            )
        )
    return role


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
    flows = [el for el in container if isinstance(el.tag, str) and _local(el) == "sequenceFlow"]
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
            kind = _local(node) if node is not None else ""
            if kind in _SCRIPTED:
                found.append(node)
            elif kind in _PASSED:
                queue.append(source)
            else:
                return None
    return found


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _assign_account(task: etree._Element, username: str, notes: ImportNotes) -> bool:
    """Hand `task` to the account `username`: the steps before it write the name into a
    field, which the task reads as `assigneeFrom`. False when it cannot be done (a way
    into the task comes straight from the start)."""
    writers = _writers(task)
    name = assignee_field(task.get("id") or "")
    if not writers or _our_property(task, "assigneeFrom") is not None:
        return False
    _set_property(task, "assigneeFrom", name, notes, f"assignee {username}")
    line = f"{name} = {username!r}"
    for writer in writers:
        extensions = _extensions(writer)
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


def _route_steps(
    root: etree._Element, directory: Directory, default_role: str | None, notes: ImportNotes
) -> bool:
    changed = False
    laned = _in_lanes(root)
    for task in root.iter(f"{{{BPMN}}}userTask"):
        if task.get("id") in laned or _our_property(task, ROLE_PROPERTY):
            continue
        if _route(task, _assignment_of(task), directory, default_role, notes, "任务"):
            changed = True
    main = _main_process(root)
    if main is not None:
        for start in main.findall(f"{{{BPMN}}}startEvent"):
            if start.get("id") in laned or _our_property(start, ROLE_PROPERTY):
                continue
            wanted = _starter_assignment(main)
            if _route(start, wanted, directory, default_role, notes, "开始事件"):
                changed = True
    return changed


# ---- the whole conversion -------------------------------------------------------------


def _note_ignored(root: etree._Element, notes: ImportNotes) -> None:
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        ns = etree.QName(el).namespace
        if ns in (CAMUNDA, ZEEBE) and etree.QName(el).localname not in (
            "property",
            "properties",
            "formDefinition",
            "taskSchedule",
            "assignmentDefinition",
        ):
            owner = el
            while owner is not None and not owner.get("id"):
                owner = owner.getparent()
            where = owner.get("id") if owner is not None else "?"
            notes.ignored.append(f"{where}: {el.prefix}:{etree.QName(el).localname}")


def convert_diagram(
    content: bytes, directory: Directory = NO_DIRECTORY, default_role: str | None = None
) -> tuple[bytes, ImportNotes]:
    """The diagram with foreign extensions carried over into ours, and what was done.

    `default_role` (a role code) does the steps nothing else routes. Problems the
    conversion finds are on `notes.findings` (errors there refuse the deployment).
    Raises DiagramError when the XML itself is unsafe or malformed.
    """
    root = parse_xml(content)
    notes = ImportNotes(editor=_editor(root))
    changed = False
    if notes.editor in ("camunda", "zeebe"):
        for task in root.iter(f"{{{BPMN}}}userTask"):
            changed |= _convert_user_task(task, notes)
        changed |= _convert_conditions(root, notes)
        _refuse_java(root, notes)
        _note_ignored(root, notes)
    changed |= _route_steps(root, directory, default_role, notes)
    if not changed:
        return content, notes
    if root.nsmap.get("spiffworkflow") != SPIFF:
        root = _with_spiff_namespace(root)
    body = etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")
    return body, notes


def adopt_foreign(content: bytes) -> tuple[bytes, ImportNotes]:
    """`convert_diagram` without people to resolve (kept for callers that only convert)."""
    return convert_diagram(content)


def _with_spiff_namespace(root: etree._Element) -> etree._Element:
    """Declare the spiffworkflow prefix on the root, so the file reads like ours."""
    nsmap = {**root.nsmap, "spiffworkflow": SPIFF}
    new_root = etree.Element(root.tag, nsmap=nsmap, attrib=dict(root.attrib))
    new_root.text = root.text
    for child in root:
        new_root.append(child)
    etree.cleanup_namespaces(new_root, top_nsmap={"spiffworkflow": SPIFF})
    return new_root

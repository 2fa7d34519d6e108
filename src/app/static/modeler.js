/* The process modeler: bpmn-js's Modeler (palette, lanes, pools, editing) and, beside
 * it, a small properties panel for what this platform reads from a diagram, so that an
 * administrator never edits XML:
 *   every element  name
 *   pool/process   the process key (new processes only) and name
 *   lane           the role whose tasks it holds (its name becomes the role code)
 *   user task      form and ui form (from the known form files, with links to the form
 *                  editor when the app has one), due in N working days (spiffworkflow:
 *                  property dueIn = PnD), assigneeFrom (a field of an earlier form)
 *   boundary timer on a user task
 *                  its duration in days (timeDuration "PnD")
 *   flow out of an exclusive/inclusive gateway
 *                  condition (a field of the forms filled before the gateway, operator,
 *                  value -> a Python expression, or the raw expression, checked by the
 *                  server's sandbox) and whether it is the gateway's default flow
 *   service task   the operator (from the performance module's list), one input per
 *                  parameter (an expression over the submission's fields), result variable
 *   script task    the script, checked by the server's sandbox compiler on demand
 *   any task       scripts run before it starts and after it completes (pre/postScript)
 * The page embeds a JSON config (#modeler-config): addresses, roles, forms, messages.
 * Saving posts the XML as the process's draft; deploying saves, then asks the server to
 * lint and deploy the draft, and marks the elements of any finding on the canvas; "check"
 * does the same lint without deploying. The test run lives in modeler-testrun.js.
 * The instance is window.modeler, for tests and for the curious.
 */
(function () {
  "use strict";

  var SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core";

  /* Enough of SpiffWorkflow's moddle extension that bpmn-js reads and writes back every
   * spiffworkflow:* element the shipped diagrams use (type names as they appear in XML). */
  var SPIFF_DESCRIPTOR = {
    name: "SpiffWorkflow",
    uri: SPIFF_NS,
    prefix: "spiffworkflow",
    associations: [],
    types: [
      { name: "properties", superClass: ["Element"],
        properties: [{ name: "properties", type: "property", isMany: true }] },
      { name: "property", superClass: ["Element"],
        properties: [
          { name: "name", isAttr: true, type: "String" },
          { name: "value", isAttr: true, type: "String" },
        ] },
      { name: "preScript", superClass: ["Element"],
        properties: [{ name: "script", isBody: true, type: "String" }] },
      { name: "postScript", superClass: ["Element"],
        properties: [{ name: "script", isBody: true, type: "String" }] },
      { name: "calledDecisionId", superClass: ["Element"],
        properties: [{ name: "decisionId", isBody: true, type: "String" }] },
      { name: "serviceTaskOperator", superClass: ["Element"],
        properties: [
          { name: "id", isAttr: true, type: "String" },
          { name: "resultVariable", isAttr: true, type: "String" },
          { name: "parameterList", type: "parameters" },
        ] },
      { name: "parameters", superClass: ["Element"],
        properties: [{ name: "parameters", type: "parameter", isMany: true }] },
      { name: "parameter", superClass: ["Element"],
        properties: [
          { name: "id", isAttr: true, type: "String" },
          { name: "name", isAttr: true, type: "String" },
          { name: "type", isAttr: true, type: "String" },
          { name: "value", isAttr: true, type: "String" },
        ] },
    ],
  };

  var OPERATORS = ["==", "!=", ">", ">=", "<", "<=", "in"];

  var root = document.querySelector("[data-modeler]");
  if (!root) return;
  var config = JSON.parse(document.getElementById("modeler-config").textContent);
  /* A role is shown by its label in the reader's language (#role-names); `name` is the
   * county's stored one, which an older diagram's lane may still carry. */
  var roleLabels = JSON.parse(document.getElementById("role-names").textContent);
  config.roles.forEach(function (r) { r.label = roleLabels[r.code] || r.name; });
  config.roleLabels = roleLabels;
  var M = config.messages;
  var csrf = root.getAttribute("data-csrf");
  var panel = root.querySelector(".modeler-panel");
  var statusLine = root.querySelector(".modeler-status");
  var findingsBox = root.querySelector(".modeler-findings");
  var dirty = false;
  var markedIds = [];

  if (typeof window.BpmnJS !== "function") {
    statusLine.textContent = M.notLoaded;
    statusLine.className = "modeler-status alert alert-error";
    return;
  }

  var modeler = new window.BpmnJS({
    container: root.querySelector(".modeler-canvas"),
    moddleExtensions: { spiffworkflow: SPIFF_DESCRIPTOR },
  });
  window.modeler = modeler;
  // What modeler-testrun.js needs from this panel.
  window.modelerPanel = {
    config: config, messages: M, csrf: csrf, el: el, post: function (a, b, c) { return post(a, b, c); },
    currentKey: function () { return currentKey(); }, url: url,
  };
  var modeling = modeler.get("modeling");
  var moddle = modeler.get("moddle");
  var registry = modeler.get("elementRegistry");
  var canvas = modeler.get("canvas");

  /* A lane is drawn with its role's display name ("预算单位") while the diagram keeps
   * the code routing reads ("budget_unit"): only the drawn text changes, after bpmn-js
   * has rendered the lane (so on import and on every redraw of it). */
  var roleNameByCode = {};
  config.roles.forEach(function (r) { roleNameByCode[r.code] = r.label; });
  function showRoleName(element, gfx) {
    if (!element.businessObject || element.businessObject.$type !== "bpmn:Lane") return;
    var code = (element.businessObject.name || "").trim();
    if (!Object.prototype.hasOwnProperty.call(roleNameByCode, code)) return;
    var spans = (gfx || registry.getGraphics(element)).querySelectorAll(".djs-visual text tspan");
    if (!spans.length) return;
    spans[0].textContent = roleNameByCode[code];
    for (var i = 1; i < spans.length; i++) spans[i].textContent = "";
  }
  modeler.get("eventBus").on("shape.changed", 250, function (event) {
    showRoleName(event.element, event.gfx);
  });
  modeler.get("eventBus").on("import.done", function () {
    registry.getAll().forEach(function (element) { showRoleName(element); });
  });

  /* ---- helpers ---------------------------------------------------------------- */

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") node.textContent = attrs[name]; // never innerHTML
      else if (name === "className") node.className = attrs[name];
      else if (name in node && typeof attrs[name] !== "string") node[name] = attrs[name];
      else node.setAttribute(name, attrs[name]);
    });
    (children || []).forEach(function (child) {
      if (child) node.appendChild(child);
    });
    return node;
  }

  function field(labelText, control, hint) {
    var id = "prop-" + Math.random().toString(36).slice(2, 9);
    control.id = id;
    return el("div", { className: "field" }, [
      el("label", { for: id, text: labelText }),
      control,
      hint ? el("p", { className: "muted hint", text: hint }) : null,
    ]);
  }

  function select(options, value, onChange, name) {
    var node = el("select", { name: name });
    var found = false;
    options.forEach(function (option) {
      var opt = el("option", { value: option.value, text: option.label });
      if (option.value === value) {
        opt.selected = true;
        found = true;
      }
      node.appendChild(opt);
    });
    if (!found && value) {
      // Keep what the diagram says even when it is not on the list, and say so.
      var unknown = el("option", { value: value, text: value + " " + M.notOnList });
      unknown.selected = true;
      node.appendChild(unknown);
    }
    node.addEventListener("change", function () {
      onChange(node.value);
    });
    return node;
  }

  function setStatus(text, kind) {
    statusLine.textContent = text;
    statusLine.className = "modeler-status" + (kind ? " flash flash-" + kind : "");
  }

  function is(element, type) {
    var bo = element && element.businessObject;
    return !!(bo && bo.$instanceOf && bo.$instanceOf(type));
  }

  function processOf() {
    var rootBo = canvas.getRootElement().businessObject;
    if (rootBo.$instanceOf("bpmn:Collaboration")) {
      var participant = (rootBo.participants || []).find(function (p) {
        return p.processRef;
      });
      return participant ? participant.processRef : null;
    }
    return rootBo;
  }

  function currentKey() {
    var process = processOf();
    return process ? process.id : config.key;
  }

  function url(template, key) {
    return template.replace("__KEY__", encodeURIComponent(key));
  }

  /* ---- spiffworkflow:properties ------------------------------------------------- */

  function propertiesOf(bo) {
    var ext = bo.extensionElements;
    if (!ext) return null;
    return (ext.get("values") || []).find(function (v) {
      return v.$instanceOf("spiffworkflow:properties");
    }) || null;
  }

  function getProperty(bo, name) {
    var props = propertiesOf(bo);
    if (!props) return "";
    var prop = props.get("properties").find(function (p) {
      return p.name === name;
    });
    return prop ? prop.value || "" : "";
  }

  function setProperty(element, name, value) {
    var bo = element.businessObject;
    var ext = bo.extensionElements;
    if (!ext) {
      if (!value) return;
      ext = moddle.create("bpmn:ExtensionElements", { values: [] });
      ext.$parent = bo;
      modeling.updateProperties(element, { extensionElements: ext });
    }
    var props = propertiesOf(bo);
    if (!props) {
      if (!value) return;
      props = moddle.create("spiffworkflow:properties", { properties: [] });
      props.$parent = ext;
      modeling.updateModdleProperties(element, ext, {
        values: (ext.get("values") || []).concat([props]),
      });
    }
    var list = props.get("properties");
    var existing = list.find(function (p) {
      return p.name === name;
    });
    if (!value) {
      if (existing) {
        modeling.updateModdleProperties(element, props, {
          properties: list.filter(function (p) {
            return p !== existing;
          }),
        });
      }
    } else if (existing) {
      modeling.updateModdleProperties(element, existing, { value: value });
    } else {
      var prop = moddle.create("spiffworkflow:property", { name: name, value: value });
      prop.$parent = props;
      modeling.updateModdleProperties(element, props, { properties: list.concat([prop]) });
    }
  }

  /* ---- conditions ----------------------------------------------------------------- */

  function pythonValue(raw, operator) {
    var text = raw.trim();
    if (operator === "in") {
      var items = text.split(/[,，]/).map(function (s) {
        return pythonValue(s, "==");
      }).filter(function (s) {
        return s !== '""';
      });
      return "[" + items.join(", ") + "]";
    }
    if (/^-?\d+(\.\d+)?$/.test(text) || /^(True|False|None)$/.test(text)) return text;
    return JSON.stringify(text); // a double-quoted string Python reads the same way
  }

  function buildExpression(name, operator, value) {
    if (!name.trim()) return "";
    return name.trim() + " " + operator + " " + pythonValue(value, operator);
  }

  var EXPRESSION = /^\s*([A-Za-z_][\w.]*)\s*(==|!=|>=|<=|>|<|\bin\b)\s*(.+?)\s*$/;

  function parseExpression(expression) {
    var match = EXPRESSION.exec(expression || "");
    if (!match) return null;
    var value = match[3];
    if (match[2] === "in") {
      var list = /^\[(.*)\]$/.exec(value);
      if (!list) return null;
      value = list[1].split(",").map(function (s) {
        return unquote(s.trim());
      }).filter(Boolean).join(", ");
    } else {
      value = unquote(value);
    }
    if (buildExpression(match[1], match[2], value) !== expression.trim()) return null;
    return { field: match[1], operator: match[2], value: value };
  }

  function unquote(text) {
    var quoted = /^(["'])(.*)\1$/.exec(text);
    return quoted ? quoted[2] : text;
  }

  function conditionOf(bo) {
    return bo.conditionExpression ? bo.conditionExpression.body || "" : "";
  }

  function setCondition(element, expression) {
    var value = expression.trim()
      ? moddle.create("bpmn:FormalExpression", { body: expression.trim() })
      : undefined;
    modeling.updateProperties(element, { conditionExpression: value });
  }

  /* ---- what is known before an element: fields of earlier forms, results, script names */

  function extensionOf(bo, type) {
    var ext = bo.extensionElements;
    if (!ext) return null;
    return (ext.get("values") || []).find(function (v) {
      return v.$instanceOf(type);
    }) || null;
  }

  function assignedNames(script) {
    var names = [];
    (script || "").split(/\n/).forEach(function (line) {
      var match = /^([A-Za-z][\w]*)\s*=[^=]/.exec(line);
      if (match && names.indexOf(match[1]) < 0) names.push(match[1]);
    });
    return names;
  }

  /* The flow nodes a token passes before reaching `bo` (following incoming flows back;
   * a boundary event starts from the task it is attached to). */
  function upstreamOf(bo) {
    var seen = {};
    var order = [];
    var queue = [bo];
    while (queue.length) {
      var node = queue.shift();
      var sources = (node.incoming || []).map(function (flow) { return flow.sourceRef; });
      if (node.attachedToRef) sources.push(node.attachedToRef);
      sources.forEach(function (source) {
        if (source && !seen[source.id]) {
          seen[source.id] = true;
          order.push(source);
          queue.push(source);
        }
      });
    }
    return order;
  }

  /* Fields an expression at `bo` can read: [{name, title, from, options?}], nearest first. */
  function fieldsBefore(bo) {
    var fields = [];
    var known = {};
    function add(name, title, from, options) {
      if (!name || known[name]) return;
      known[name] = true;
      fields.push({ name: name, title: title || name, from: from, options: options });
    }
    upstreamOf(bo).forEach(function (node) {
      var label = node.name || node.id;
      if (node.$instanceOf("bpmn:UserTask")) {
        var form = getProperty(node, "formJsonSchemaFilename");
        ((config.formFields || {})[form] || []).forEach(function (f) {
          add(f.name, f.title, label, f.options);
        });
      } else if (node.$instanceOf("bpmn:ServiceTask")) {
        var op = extensionOf(node, "spiffworkflow:serviceTaskOperator");
        if (op && op.resultVariable) add(op.resultVariable, op.resultVariable, label);
      } else if (node.$instanceOf("bpmn:ScriptTask")) {
        assignedNames(node.script).forEach(function (name) { add(name, name, label); });
      }
    });
    return fields;
  }

  function fieldOptions(fields) {
    return fields.map(function (f) {
      return { value: f.name, label: f.title + " (" + f.name + ") · " + f.from };
    });
  }

  /* ---- asking the server's sandbox about a script or expression ------------------- */

  function checkCode(text, mode, box) {
    box.textContent = "";
    return post(config.scriptCheckUrl, JSON.stringify({ script: text, mode: mode }),
      "application/json").then(function (answer) {
      box.textContent = "";
      if (answer.ok) {
        box.className = "code-check code-ok";
        box.appendChild(el("p", { text: M.codeOk }));
        return;
      }
      box.className = "code-check code-problems";
      var list = el("ul", {});
      (answer.findings || [{ line: null, message: answer.message || M.error }]).forEach(function (f) {
        list.appendChild(el("li", { text: (f.line ? M.atLine.replace("{line}", f.line) + " " : "") + f.message }));
      });
      box.appendChild(list);
    });
  }

  /* ---- the panel ------------------------------------------------------------------ */

  var selected = null;

  function render(element) {
    selected = element;
    panel.textContent = "";
    if (element && is(element, "bpmn:Collaboration")) {
      // Nothing selected on a pool diagram: show the (first) pool, i.e. the process.
      var pool = (element.businessObject.participants || [])[0];
      element = (pool && registry.get(pool.id)) || null;
    }
    if (!element || !element.businessObject) {
      panel.appendChild(el("p", { className: "muted", text: M.selectSomething }));
      return;
    }
    var bo = element.businessObject;
    panel.appendChild(
      el("h2", { text: M.types[bo.$type] || bo.$type.replace("bpmn:", "") }, [])
    );
    panel.appendChild(el("p", { className: "muted element-id" }, [el("code", { text: bo.id })]));

    if (is(element, "bpmn:Participant") || is(element, "bpmn:Process")) {
      renderProcess(element);
    }
    if (is(element, "bpmn:Lane")) {
      renderLane(element);
    } else if (!is(element, "bpmn:Process")) {
      var name = el("input", { type: "text", name: "name", value: bo.name || "" });
      name.addEventListener("change", function () {
        if ((bo.name || "") !== name.value) modeling.updateLabel(element, name.value);
      });
      panel.appendChild(field(M.name, name));
    }
    if (is(element, "bpmn:UserTask")) renderUserTask(element);
    if (is(element, "bpmn:BoundaryEvent")) renderTimer(element);
    if (is(element, "bpmn:ServiceTask")) renderServiceTask(element);
    if (is(element, "bpmn:ScriptTask")) renderScriptTask(element);
    if (is(element, "bpmn:SequenceFlow")) renderFlow(element);
    if (is(element, "bpmn:Task")) renderTaskScripts(element);
  }

  function renderProcess(element) {
    var process = is(element, "bpmn:Participant") ? element.businessObject.processRef : element.businessObject;
    if (!process) return;
    var key = el("input", { type: "text", name: "process_key", value: process.id });
    if (config.deployedVersion) {
      key.readOnly = true;
    } else {
      key.addEventListener("change", function () {
        var value = key.value.trim();
        if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(value)) {
          setStatus(M.badKey, "error");
          key.value = process.id;
          return;
        }
        modeling.updateModdleProperties(element, process, { id: value });
      });
    }
    panel.appendChild(field(M.processKey, key, config.deployedVersion ? M.keyFixed : M.keyHint));
    if (is(element, "bpmn:Participant")) {
      var name = el("input", { type: "text", name: "process_name", value: process.name || "" });
      name.addEventListener("change", function () {
        modeling.updateModdleProperties(element, process, { name: name.value });
      });
      panel.appendChild(field(M.processName, name));
    }
  }

  function renderLane(element) {
    var bo = element.businessObject;
    var current = bo.name || "";
    var match = config.roles.find(function (r) {
      return r.code === current || r.name === current;
    });
    var options = [{ value: "", label: M.chooseRole }].concat(
      config.roles.map(function (r) {
        return { value: r.code, label: r.label };
      })
    );
    var control = select(options, match ? match.code : current, function (code) {
      modeling.updateLabel(element, code);
    }, "role");
    panel.appendChild(field(M.laneRole, control, M.laneHint));
  }

  /* A due period the day box cannot hold ("PT4H") in words, as the steps table says it;
   * what is not weeks, days, hours or minutes is shown as written. */
  function periodInWords(iso) {
    var m = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(iso || "");
    if (!m || !(m[1] || m[2] || m[3] || m[4])) return iso;
    var days = (parseInt(m[1] || "0", 10) * 7) + parseInt(m[2] || "0", 10);
    var parts = [];
    if (days) parts.push(M.periodDays.replace("{n}", days));
    if (m[3]) parts.push(M.periodHours.replace("{n}", parseInt(m[3], 10)));
    if (m[4]) parts.push(M.periodMinutes.replace("{n}", parseInt(m[4], 10)));
    return parts.join(" ");
  }

  function renderUserTask(element) {
    var bo = element.businessObject;
    var none = [{ value: "", label: M.noForm }];
    var titles = config.formTitles || {};
    // A form is picked by its title; its file name is shown small beneath the picker.
    var asOptions = function (names) {
      var options = names.map(function (n) { return { value: n, label: titles[n] || n }; });
      options.sort(function (a, b) { return a.label.localeCompare(b.label, "zh-CN"); });
      return none.concat(options);
    };
    var form = getProperty(bo, "formJsonSchemaFilename");
    var formLinks = el("p", { className: "hint form-links" });
    function showFormLinks(name) {
      formLinks.textContent = "";
      if (name) {
        formLinks.appendChild(el("code", { className: "form-file", text: name }));
        formLinks.appendChild(document.createTextNode(" "));
      }
      if (config.formEditorUrl && name) {
        formLinks.appendChild(el("a", { href: config.formEditorUrl.replace("__FORM__", encodeURIComponent(name)),
          target: "_blank", rel: "noopener", text: M.editForm, "data-link": "edit-form" }));
        formLinks.appendChild(document.createTextNode(" "));
      }
      if (config.newFormUrl) {
        formLinks.appendChild(el("a", { href: config.newFormUrl, target: "_blank", rel: "noopener",
          text: M.newForm, "data-link": "new-form" }));
      }
    }
    var formField = field(M.form, select(asOptions(config.forms.schemas), form, function (value) {
      setProperty(element, "formJsonSchemaFilename", value);
      showFormLinks(value);
    }, "form"));
    showFormLinks(form);
    formField.appendChild(formLinks);
    panel.appendChild(formField);
    panel.appendChild(field(M.uiForm, select(asOptions(config.forms.ui),
      getProperty(bo, "formUiSchemaFilename"), function (value) {
        setProperty(element, "formUiSchemaFilename", value);
      }, "ui_form")));
    var dueIn = getProperty(bo, "dueIn");
    var days = /^P(\d+)D$/.exec(dueIn);
    var input = el("input", { type: "number", min: "0", step: "1", name: "due_days",
      value: days ? days[1] : "" });
    input.addEventListener("change", function () {
      var n = parseInt(input.value, 10);
      setProperty(element, "dueIn", n > 0 ? "P" + n + "D" : "");
    });
    var hint = dueIn && !days ? M.dueRaw + " " + periodInWords(dueIn) : M.dueHint;
    panel.appendChild(field(M.dueDays, input, hint));
    panel.appendChild(field(M.dueCalendar, dueCountingSelect(element, bo), M.dueCalendarHint));

    // assigneeFrom: a field of an earlier form holding the username the task goes to.
    var fields = fieldsBefore(bo);
    var listId = "assignee-fields-" + bo.id;
    var assignee = el("input", { type: "text", name: "assignee_from", list: listId,
      value: getProperty(bo, "assigneeFrom") });
    assignee.addEventListener("change", function () {
      var value = assignee.value.trim();
      if (value && !/^[A-Za-z_][\w]*$/.test(value)) {
        setStatus(M.badFieldName, "error");
        assignee.value = getProperty(bo, "assigneeFrom");
        return;
      }
      setProperty(element, "assigneeFrom", value);
    });
    var datalist = el("datalist", { id: listId }, fieldOptions(fields).map(function (o) {
      return el("option", { value: o.value, text: o.label });
    }));
    var assigneeField = field(M.assigneeFrom, assignee, M.assigneeHint);
    assigneeField.appendChild(datalist);
    panel.appendChild(assigneeField);
  }

  function timerOf(bo) {
    return (bo.eventDefinitions || []).find(function (d) {
      return d.$instanceOf("bpmn:TimerEventDefinition");
    }) || null;
  }

  function renderTimer(element) {
    var bo = element.businessObject;
    var timer = timerOf(bo);
    if (!timer) return;
    var raw = timer.timeDuration ? timer.timeDuration.body || "" : "";
    var days = /^\s*["']?P(\d+)D["']?\s*$/.exec(raw);
    var input = el("input", { type: "number", min: "1", step: "1", name: "timer_days",
      value: days ? days[1] : "" });
    input.addEventListener("change", function () {
      var n = parseInt(input.value, 10);
      var expression = n > 0
        ? moddle.create("bpmn:FormalExpression", { body: '"P' + n + 'D"' })
        : undefined;
      modeling.updateModdleProperties(element, timer, {
        timeDuration: expression, timeDate: undefined, timeCycle: undefined,
      });
    });
    var hint = raw && !days ? M.dueRaw + " " + raw : M.timerHint;
    panel.appendChild(field(M.timerDays, input, hint));
    panel.appendChild(field(M.dueCalendar, dueCountingSelect(element, bo), M.dueCalendarHint));
  }

  // dueCalendar: whether a due period counts working days (the default) or calendar days,
  // as the budget law does for 批复 (20 and 15 days).
  function dueCountingSelect(element, bo) {
    var options = [
      { value: "", label: M.workingDays },
      { value: "calendar", label: M.calendarDays },
    ];
    var current = getProperty(bo, "dueCalendar");
    return select(options, current === "working" ? "" : current, function (value) {
      setProperty(element, "dueCalendar", value);
    }, "due_calendar");
  }

  function renderServiceTask(element) {
    var bo = element.businessObject;
    var op = extensionOf(bo, "spiffworkflow:serviceTaskOperator");
    var chosen = op ? op.id : "";
    var catalog = config.operators || [];
    var info = catalog.find(function (o) { return o.name === chosen; });
    var options = [{ value: "", label: M.chooseOperator }].concat(catalog.map(function (o) {
      return { value: o.name, label: o.name };
    }));
    panel.appendChild(field(M.operator, select(options, chosen, function (name) {
      replaceOperator(element, name, op ? op.resultVariable : "");
      render(element);
    }, "operator"), info ? info.description : M.operatorHint));
    if (!op || !chosen) return;

    var params = op.parameterList ? op.parameterList.get("parameters") : [];
    var box = el("fieldset", { className: "parameters" }, [el("legend", { text: M.parameters })]);
    var names = info ? info.parameters.map(function (p) { return p.name; }) : [];
    params.forEach(function (p) {
      if (names.indexOf(p.id) < 0) names.push(p.id);
    });
    names.forEach(function (name) {
      var spec = info && info.parameters.find(function (p) { return p.name === name; });
      var existing = params.find(function (p) { return p.id === name; });
      var input = el("input", { type: "text", name: "param_" + name,
        value: existing ? existing.value || "" : "",
        placeholder: spec && !spec.required ? M.optionalDefault.replace("{default}", spec.default) : "" });
      input.addEventListener("change", function () {
        setParameter(element, op, name, input.value.trim());
      });
      var hint = spec ? (spec.required ? M.required : M.optional) + (spec.type ? " · " + spec.type : "")
        : M.notAParameter;
      box.appendChild(field(name, input, hint));
    });
    box.appendChild(el("p", { className: "muted hint", text: M.parameterHint }));
    panel.appendChild(box);

    var result = el("input", { type: "text", name: "result_variable", value: op.resultVariable || "" });
    result.addEventListener("change", function () {
      var value = result.value.trim();
      if (value && !/^[A-Za-z_][\w]*$/.test(value)) {
        setStatus(M.badFieldName, "error");
        result.value = op.resultVariable || "";
        return;
      }
      modeling.updateModdleProperties(element, op, { resultVariable: value || undefined });
    });
    panel.appendChild(field(M.resultVariable, result, M.resultHint));
  }

  function replaceOperator(element, name, resultVariable) {
    var bo = element.businessObject;
    var ext = bo.extensionElements;
    if (!ext) {
      if (!name) return;
      ext = moddle.create("bpmn:ExtensionElements", { values: [] });
      ext.$parent = bo;
      modeling.updateProperties(element, { extensionElements: ext });
    }
    var others = (ext.get("values") || []).filter(function (v) {
      return !v.$instanceOf("spiffworkflow:serviceTaskOperator");
    });
    if (name) {
      var op = moddle.create("spiffworkflow:serviceTaskOperator", { id: name });
      if (resultVariable) op.resultVariable = resultVariable;
      var list = moddle.create("spiffworkflow:parameters", { parameters: [] });
      list.$parent = op;
      op.parameterList = list;
      op.$parent = ext;
      others.push(op);
    }
    modeling.updateModdleProperties(element, ext, { values: others });
  }

  function setParameter(element, op, name, value) {
    var list = op.parameterList;
    if (!list) {
      list = moddle.create("spiffworkflow:parameters", { parameters: [] });
      list.$parent = op;
      modeling.updateModdleProperties(element, op, { parameterList: list });
    }
    var params = list.get("parameters");
    var existing = params.find(function (p) { return p.id === name; });
    if (!value) {
      if (existing) {
        modeling.updateModdleProperties(element, list, {
          parameters: params.filter(function (p) { return p !== existing; }),
        });
      }
    } else if (existing) {
      modeling.updateModdleProperties(element, existing, { value: value });
    } else {
      var param = moddle.create("spiffworkflow:parameter", { id: name, type: "any", value: value });
      param.$parent = list;
      modeling.updateModdleProperties(element, list, { parameters: params.concat([param]) });
    }
  }

  /* spiffworkflow:preScript / postScript: run before the task starts / after it completes. */
  function renderTaskScripts(element) {
    var bo = element.businessObject;
    var details = el("details", { className: "task-scripts" }, [el("summary", { text: M.taskScripts })]);
    [["spiffworkflow:preScript", "pre_script", M.preScript],
      ["spiffworkflow:postScript", "post_script", M.postScript]].forEach(function (kind) {
      var existing = extensionOf(bo, kind[0]);
      var text = el("textarea", { name: kind[1], rows: 3, spellcheck: "false", className: "code" });
      text.value = existing ? existing.script || "" : "";
      if (text.value) details.open = true;
      text.addEventListener("change", function () {
        setTaskScript(element, kind[0], text.value);
      });
      var result = el("div", { className: "code-check", "aria-live": "polite" });
      var button = el("button", { type: "button", className: "secondary", text: M.checkScript,
        "data-action": "check-" + kind[1] });
      button.addEventListener("click", function () { checkCode(text.value, "exec", result); });
      details.appendChild(field(kind[2], text));
      details.appendChild(button);
      details.appendChild(result);
    });
    panel.appendChild(details);
  }

  function setTaskScript(element, type, script) {
    var bo = element.businessObject;
    var ext = bo.extensionElements;
    if (!ext) {
      if (!script.trim()) return;
      ext = moddle.create("bpmn:ExtensionElements", { values: [] });
      ext.$parent = bo;
      modeling.updateProperties(element, { extensionElements: ext });
    }
    var existing = extensionOf(bo, type);
    if (!script.trim()) {
      if (existing) {
        modeling.updateModdleProperties(element, ext, {
          values: ext.get("values").filter(function (v) { return v !== existing; }),
        });
      }
    } else if (existing) {
      modeling.updateModdleProperties(element, existing, { script: script });
    } else {
      var made = moddle.create(type, { script: script });
      made.$parent = ext;
      modeling.updateModdleProperties(element, ext, { values: ext.get("values").concat([made]) });
    }
  }

  function renderScriptTask(element) {
    var bo = element.businessObject;
    var text = el("textarea", { name: "script", rows: 8, spellcheck: "false", className: "code" });
    text.value = bo.script || "";
    text.addEventListener("change", function () {
      modeling.updateProperties(element, { script: text.value, scriptFormat: "python" });
    });
    var result = el("div", { className: "code-check", "aria-live": "polite" });
    var button = el("button", { type: "button", className: "secondary", text: M.checkScript,
      "data-action": "check-script" });
    button.addEventListener("click", function () {
      checkCode(text.value, "exec", result);
    });
    panel.appendChild(field(M.script, text, M.scriptHint));
    panel.appendChild(button);
    panel.appendChild(result);
  }

  function renderFlow(element) {
    var bo = element.businessObject;
    var source = element.source;
    if (!source || !(is(source, "bpmn:ExclusiveGateway") || is(source, "bpmn:InclusiveGateway"))) {
      return;
    }
    var gateway = source.businessObject;
    var isDefault = gateway.default === bo;
    var box = el("fieldset", { className: "condition" }, [el("legend", { text: M.condition })]);
    var parsed = parseExpression(conditionOf(bo)) || { field: "", operator: "==", value: "" };
    var fields = fieldsBefore(gateway);
    var OTHER = "__other__";

    // The field: one of the fields filled before the gateway, or a name typed by hand.
    var fieldChoices = [{ value: "", label: M.chooseField }].concat(fieldOptions(fields))
      .concat([{ value: OTHER, label: M.otherField }]);
    var listed = fields.some(function (f) { return f.name === parsed.field; });
    var name = select(fieldChoices, listed || !parsed.field ? parsed.field : OTHER, function () {
      other.hidden = name.value !== OTHER;
      drawValue();
      if (name.value !== OTHER) applyBuilder();
    }, "cond_field");
    var other = el("input", { type: "text", name: "cond_field_other",
      value: listed ? "" : parsed.field, placeholder: "decision" });
    other.hidden = name.value !== OTHER;
    other.addEventListener("change", applyBuilder);

    var operator = select(OPERATORS.map(function (op) { return { value: op, label: op }; }),
      parsed.operator, function () { drawValue(); applyBuilder(); }, "cond_operator");
    var valueHolder = el("div", { className: "cond-value" });
    var value = null;
    var raw = el("textarea", { name: "cond_raw", rows: 2 });
    raw.value = conditionOf(bo);
    var rawCheck = el("div", { className: "code-check", "aria-live": "polite" });
    var defaultBox = el("input", { type: "checkbox", name: "default_flow" });
    defaultBox.checked = isDefault;

    function fieldName() {
      return name.value === OTHER ? other.value.trim() : name.value;
    }

    // A field with choices (a decision) offers its choices; anything else is typed.
    function drawValue() {
      var chosen = fields.find(function (f) { return f.name === fieldName(); });
      var current = value ? value.value : parsed.value;
      valueHolder.textContent = "";
      if (chosen && chosen.options && operator.value !== "in") {
        value = select([{ value: "", label: "—" }].concat(chosen.options.map(function (o) {
          return { value: String(o.value), label: o.label + " (" + o.value + ")" };
        })), current, applyBuilder, "cond_value");
      } else {
        value = el("input", { type: "text", name: "cond_value", value: current });
        value.addEventListener("change", applyBuilder);
      }
      value.disabled = isDefault;
      valueHolder.appendChild(field(M.condValue, value, M.condValueHint));
    }

    function applyBuilder() {
      var expression = buildExpression(fieldName(), operator.value, value.value);
      raw.value = expression;
      rawCheck.textContent = "";
      setCondition(element, expression);
    }
    raw.addEventListener("change", function () {
      setCondition(element, raw.value);
      var again = parseExpression(raw.value);
      var known = again && fields.some(function (f) { return f.name === again.field; });
      name.value = again ? (known ? again.field : OTHER) : "";
      other.value = again && !known ? again.field : "";
      other.hidden = name.value !== OTHER;
      if (again) operator.value = again.operator;
      if (value) value.value = "";
      parsed.value = again ? again.value : "";
      value = null;
      drawValue();
      if (raw.value.trim()) checkCode(raw.value, "eval", rawCheck);
      else rawCheck.textContent = "";
    });
    defaultBox.addEventListener("change", function () {
      if (defaultBox.checked) {
        setCondition(element, ""); // the default flow is the one taken when no condition holds
        modeling.updateProperties(source, { default: bo });
      } else {
        modeling.updateProperties(source, { default: undefined });
      }
      render(element);
    });
    [name, other, operator, raw].forEach(function (control) {
      control.disabled = isDefault;
    });
    drawValue();
    var fieldBox = field(M.condField, name, fields.length ? M.condFieldHint : M.noFieldsBefore);
    fieldBox.appendChild(other);
    box.appendChild(el("div", { className: "condition-builder" }, [
      fieldBox, field(M.condOperator, operator), valueHolder,
    ]));
    box.appendChild(field(M.condRaw, raw, M.condRawHint));
    box.appendChild(rawCheck);
    box.appendChild(el("label", { className: "check" }, [defaultBox, document.createTextNode(" " + M.defaultFlow)]));
    panel.appendChild(box);
  }

  modeler.on("selection.changed", function (event) {
    var element = event.newSelection.length === 1 ? event.newSelection[0] : null;
    render(element || canvas.getRootElement());
  });
  // Changes made through the panel are already shown in it: redrawing then would swap
  // the controls under the person's hands (a blur's change event lands mid-fill).
  var panelWriting = false;
  panel.addEventListener("change", function () {
    panelWriting = true;
    setTimeout(function () { panelWriting = false; }, 0);
  }, true);
  modeler.on("elements.changed", function (event) {
    // Redraw the panel when the selected element changed elsewhere (undo, the canvas),
    // but never while someone is typing in it.
    if (!selected || panelWriting || panel.contains(document.activeElement)) return;
    if (event.elements.some(function (e) { return e === selected || e.id === selected.id; })) {
      render(registry.get(selected.id) || null);
    }
  });
  modeler.on("commandStack.changed", function () {
    dirty = true;
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  /* ---- saving, deploying ---------------------------------------------------------- */

  function post(address, body, contentType) {
    return fetch(address, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": contentType, "X-CSRFToken": csrf, Accept: "application/json" },
      body: body,
    }).then(function (response) {
      return response.json().catch(function () {
        return { ok: false, message: "HTTP " + response.status };
      });
    });
  }

  function saveDraft() {
    var key = currentKey();
    return modeler.saveXML({ format: true }).then(function (result) {
      return post(url(config.draftUrl, key), result.xml, "application/xml");
    }).then(function (answer) {
      if (!answer.ok) {
        setStatus(M.saveFailed + " " + (answer.message || ""), "error");
        return null;
      }
      dirty = false;
      if (config.key !== key) {
        config.key = key;
        history.replaceState(null, "", url(config.modelerUrl, key));
      }
      root.querySelector("[data-draft-state]").textContent = M.draftSaved;
      setStatus(M.draftSaved, "success");
      return answer;
    });
  }

  function clearFindings() {
    markedIds.forEach(function (id) {
      if (registry.get(id)) {
        canvas.removeMarker(id, "lint-error");
        canvas.removeMarker(id, "lint-warning");
      }
    });
    markedIds = [];
    findingsBox.hidden = true;
    findingsBox.querySelector("tbody").textContent = "";
  }

  function showFindings(findings) {
    var body = findingsBox.querySelector("tbody");
    findings.forEach(function (f) {
      var target = f.element_id && registry.get(f.element_id);
      if (target) {
        canvas.addMarker(f.element_id, f.severity === "error" ? "lint-error" : "lint-warning");
        markedIds.push(f.element_id);
      }
      var idCell = target
        ? el("button", { type: "button", className: "link-button", text: f.element_id,
            onclick: function () {
              modeler.get("selection").select(target);
              canvas.scrollToElement(target);
            } })
        : el("code", { text: f.element_id || "—" });
      body.appendChild(el("tr", { className: "finding-" + f.severity, "data-element-id": f.element_id || "" }, [
        el("td", {}, [idCell]), el("td", {}, [el("code", { text: f.code })]),
        el("td", { text: f.message }),
        el("td", { text: f.severity === "error" ? M.error : M.warning }),
      ]));
    });
    findingsBox.hidden = findings.length === 0;
  }

  /* Deploying: save, show what the deployment would change against the deployed version
   * (the diagram's elements, property by property, and the forms' fields), and deploy
   * only when the administrator confirms in that dialog. */
  var confirmBox = root.querySelector("dialog.deploy-confirm");

  function changeRow(c) {
    var type = M.types["bpmn:" + c.kind.charAt(0).toUpperCase() + c.kind.slice(1)] || c.kind;
    var what = el("td");
    if (c.details.length) {
      var list = el("ul", { className: "property-changes" });
      c.details.forEach(function (d) {
        list.appendChild(el("li", { "data-property": d.property }, [
          el("span", { className: "property-label", text: d.label }),
          document.createTextNode("："),
          el("del", { text: d.old }), document.createTextNode(" → "), el("ins", { text: d.new }),
        ]));
      });
      what.appendChild(list);
    } else {
      what.textContent = "—";
    }
    return el("tr", { className: "change-" + c.change, "data-element": c.element_id, "data-change": c.change }, [
      el("td", { text: M.changeKinds[c.change] || c.change }),
      el("td", { text: c.name }), el("td", { text: type }), what,
    ]);
  }

  function fieldRow(f) {
    return el("tr", { "data-form": f.form, "data-field": f.field || "" }, [
      el("td", { text: f.form }), el("td", { text: f.field || "—" }), el("td", { text: f.change }),
      el("td", { text: f.old == null ? "—" : String(f.old) }),
      el("td", { text: f.new == null ? "—" : String(f.new) }),
    ]);
  }

  function table(headings, rows) {
    var head = el("tr", {}, headings.map(function (h) { return el("th", { scope: "col", text: h }); }));
    return el("table", { className: "list" }, [el("thead", {}, [head]), el("tbody", {}, rows)]);
  }

  function showChanges(answer) {
    var body = confirmBox.querySelector(".deploy-changes");
    body.textContent = "";
    confirmBox.querySelector(".deploy-confirm-question").textContent = M.confirmDeploy
      .replace("{key}", currentKey()).replace("{version}", answer.next_version);
    if (!answer.elements.length && !answer.fields.length) {
      body.appendChild(el("p", { className: "empty-state", text: M.noChanges }));
    }
    if (answer.elements.length) {
      body.appendChild(el("h3", { text: M.changedElements }));
      body.appendChild(table([M.change, M.element, M.elementType, M.whatChanged],
        answer.elements.map(changeRow)));
    }
    if (answer.fields.length) {
      body.appendChild(el("h3", { text: M.changedFields }));
      body.appendChild(table([M.formFile, M.field, M.change, M.before, M.after],
        answer.fields.map(fieldRow)));
    }
    confirmBox.showModal();
    confirmBox.querySelector("[data-action=deploy-confirm]").focus();
  }

  function deploy() {
    clearFindings();
    saveDraft().then(function (saved) {
      if (!saved) return null;
      return fetch(url(config.changesUrl, currentKey()), {
        credentials: "same-origin", headers: { Accept: "application/json" },
      }).then(function (response) { return response.json(); });
    }).then(function (answer) {
      if (!answer) return;
      if (!answer.ok) {
        setStatus(answer.message || M.deployFailed, "error");
        return;
      }
      showChanges(answer);
    });
  }

  function deployConfirmed() {
    confirmBox.close();
    var comment = root.querySelector("[name=deploy_comment]").value;
    setStatus(M.deploying);
    post(url(config.deployUrl, currentKey()), JSON.stringify({ comment: comment }),
      "application/json").then(function (answer) {
      if (answer.ok) {
        config.deployedVersion = answer.version;
        root.querySelector("[data-draft-state]").textContent = M.deployedAs.replace("%s", answer.version);
        var link = el("a", { href: url(config.versionsUrl, currentKey()), text: M.seeVersions });
        setStatus(M.deployedAs.replace("%s", answer.version) + " ", "success");
        statusLine.appendChild(link);
        showFindings(answer.warnings || []); // they did not block, but are worth fixing
        return;
      }
      setStatus(answer.message || M.deployFailed, "error");
      showFindings(answer.findings || []);
    });
  }

  confirmBox.querySelector("[data-action=deploy-confirm]").addEventListener("click", deployConfirmed);
  confirmBox.querySelector("[data-action=deploy-cancel]").addEventListener("click", function () {
    confirmBox.close();
    setStatus(M.deployCancelled);
  });

  function check() {
    clearFindings();
    setStatus(M.checking);
    modeler.saveXML({ format: true }).then(function (result) {
      return post(url(config.checkUrl, currentKey()), result.xml, "application/xml");
    }).then(function (answer) {
      if (!answer.ok) {
        setStatus(answer.message || M.error, "error");
        return;
      }
      var findings = answer.findings || [];
      var errors = findings.filter(function (f) { return f.severity === "error"; }).length;
      if (!findings.length) setStatus(M.checkClean, "success");
      else setStatus(M.checkFound.replace("{count}", findings.length).replace("{errors}", errors),
        errors ? "error" : "warning");
      showFindings(findings);
    });
  }

  function discard() {
    if (!window.confirm(M.confirmDiscard)) return;
    post(url(config.discardUrl, currentKey()), "", "application/json").then(function (answer) {
      if (!answer.ok) {
        setStatus(answer.message || "", "error");
        return;
      }
      dirty = false;
      if (config.deployedVersion) window.location.reload();
      else window.location.href = config.newUrl;
    });
  }

  function download() {
    modeler.saveXML({ format: true }).then(function (result) {
      var blob = new Blob([result.xml], { type: "application/xml" });
      var link = el("a", { href: URL.createObjectURL(blob), download: currentKey() + ".bpmn" });
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
    });
  }

  root.querySelector("[data-action=save]").addEventListener("click", saveDraft);
  root.querySelector("[data-action=discard]").addEventListener("click", discard);
  root.querySelector("[data-action=download]").addEventListener("click", download);
  root.querySelector("[data-action=deploy]").addEventListener("click", deploy);
  root.querySelector("[data-action=check]").addEventListener("click", check);

  /* ---- opening -------------------------------------------------------------------- */

  function xmlText(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;");
  }

  function newDiagram() {
    var newName = xmlText(M.newProcess);
    var id = "process_" + Math.random().toString(36).slice(2, 8);
    return '<?xml version="1.0" encoding="UTF-8"?>\n' +
      '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" ' +
      'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" ' +
      'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" ' +
      'xmlns:di="http://www.omg.org/spec/DD/20100524/DI" ' +
      'xmlns:spiffworkflow="' + SPIFF_NS + '" id="Definitions_' + id + '" ' +
      'targetNamespace="http://bpmn.io/schema/bpmn">\n' +
      '  <bpmn:collaboration id="Collaboration_' + id + '">\n' +
      '    <bpmn:participant id="Participant_' + id + '" name="' + newName + '" processRef="' + id + '" />\n' +
      '  </bpmn:collaboration>\n' +
      '  <bpmn:process id="' + id + '" name="' + newName + '" isExecutable="true">\n' +
      '    <bpmn:laneSet id="LaneSet_' + id + '">\n' +
      '      <bpmn:lane id="Lane_budget_unit" name="budget_unit">\n' +
      '        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>\n' +
      '      </bpmn:lane>\n' +
      '    </bpmn:laneSet>\n' +
      '    <bpmn:startEvent id="start" name="' + xmlText(M.startEvent) + '" />\n' +
      '  </bpmn:process>\n' +
      '  <bpmndi:BPMNDiagram id="BPMNDiagram_' + id + '">\n' +
      '    <bpmndi:BPMNPlane id="BPMNPlane_' + id + '" bpmnElement="Collaboration_' + id + '">\n' +
      '      <bpmndi:BPMNShape id="Participant_' + id + '_di" bpmnElement="Participant_' + id + '" isHorizontal="true">\n' +
      '        <dc:Bounds x="120" y="60" width="800" height="200" />\n' +
      '      </bpmndi:BPMNShape>\n' +
      '      <bpmndi:BPMNShape id="Lane_budget_unit_di" bpmnElement="Lane_budget_unit" isHorizontal="true">\n' +
      '        <dc:Bounds x="150" y="60" width="770" height="200" />\n' +
      '      </bpmndi:BPMNShape>\n' +
      '      <bpmndi:BPMNShape id="start_di" bpmnElement="start">\n' +
      '        <dc:Bounds x="202" y="142" width="36" height="36" />\n' +
      '      </bpmndi:BPMNShape>\n' +
      '    </bpmndi:BPMNPlane>\n' +
      '  </bpmndi:BPMNDiagram>\n' +
      '</bpmn:definitions>\n';
  }

  /* The whole diagram, clear of the palette on the left, never larger than life. */
  function showWhole() {
    var box = root.querySelector(".modeler-canvas");
    var inner = canvas.viewbox().inner;
    var left = 110, pad = 20;
    var scale = Math.min(1, (box.clientWidth - left - pad) / Math.max(inner.width, 1),
      (box.clientHeight - 2 * pad) / Math.max(inner.height, 1));
    canvas.viewbox({
      x: inner.x - left / scale, y: inner.y - pad / scale,
      width: box.clientWidth / scale, height: box.clientHeight / scale,
    });
  }

  var loading = config.xmlUrl
    ? fetch(config.xmlUrl, { credentials: "same-origin", headers: { Accept: "application/xml" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
    : Promise.resolve(newDiagram());

  loading.then(function (xml) {
    return modeler.importXML(xml);
  }).then(function (result) {
    (result.warnings || []).forEach(function (w) {
      if (window.console) console.warn("modeler:", w.message);
    });
    showWhole();
    render(canvas.getRootElement());
    dirty = false;
    root.classList.add("modeler-ready");
  }).catch(function (error) {
    setStatus(M.loadFailed + " " + (error && error.message ? error.message : ""), "error");
  });
})();

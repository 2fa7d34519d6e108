/* The modeler's test run: the diagram as it stands in the modeler runs on the server in
 * memory, one step at a time. Each waiting step shows its role and a form built from its
 * JSON Schema, prefilled from what the run holds or the schema's examples; completing it
 * shows which way the gateways went, and the diagram marks the steps passed (blue), the
 * flows taken (green) and the steps now waiting (green fill). The run's engine state
 * travels in a token the server signed; nothing is stored anywhere.
 * Needs modeler.js (window.modeler, window.modelerPanel) loaded first.
 */
(function () {
  "use strict";

  var root = document.querySelector("[data-modeler]");
  var panel = window.modelerPanel;
  var modeler = window.modeler;
  if (!root || !panel || !modeler) return;
  var config = panel.config;
  var M = panel.messages;
  var el = panel.el;
  var canvas = modeler.get("canvas");
  var registry = modeler.get("elementRegistry");
  var box = root.querySelector(".modeler-testrun");
  var statusLine = box.querySelector(".testrun-status");
  var stepsBox = box.querySelector(".testrun-steps");
  var log = box.querySelector(".testrun-log");
  var run = null; // {token, xml}
  var marked = [];

  function setStatus(text, kind) {
    statusLine.textContent = text;
    statusLine.className = "testrun-status" + (kind ? " flash flash-" + kind : "");
  }

  function mark(id, cls) {
    if (!registry.get(id)) return;
    canvas.addMarker(id, cls);
    marked.push([id, cls]);
  }

  function clearMarks(onlyClass) {
    marked = marked.filter(function (pair) {
      if (onlyClass && pair[1] !== onlyClass) return true;
      if (registry.get(pair[0])) canvas.removeMarker(pair[0], pair[1]);
      return false;
    });
  }

  function nameOf(id) {
    var element = registry.get(id);
    var bo = element && element.businessObject;
    return (bo && bo.name) || id;
  }

  function send(address, body) {
    return panel.post(panel.url(address, panel.currentKey()), JSON.stringify(body), "application/json");
  }

  function start() {
    stop();
    box.hidden = false;
    setStatus(M.testRunStarting);
    modeler.saveXML({ format: true }).then(function (result) {
      run = { xml: result.xml, token: null };
      return send(config.testRunUrl, { xml: result.xml });
    }).then(function (answer) {
      show(answer, null);
    });
    box.scrollIntoView({ block: "nearest" });
  }

  function stop() {
    run = null;
    clearMarks();
    stepsBox.textContent = "";
    log.textContent = "";
    setStatus("");
    box.hidden = true;
  }

  function show(answer, form) {
    if (!answer.ok) {
      if (answer.details && form) {
        showErrors(form, answer.details);
        setStatus(answer.message || M.error, "error");
        return;
      }
      var text = answer.message || M.error;
      (answer.findings || []).forEach(function (f) {
        text += " [" + (f.element_id || "—") + "] " + f.message;
      });
      setStatus(text, "error");
      return;
    }
    run.token = answer.token;
    clearMarks("testrun-current");
    answer.visited.forEach(function (id) { mark(id, "testrun-visited"); });
    answer.flows.forEach(function (id) { mark(id, "testrun-flow"); });
    answer.ready.forEach(function (task) { mark(task.activity_id, "testrun-current"); });
    writeLog(answer);
    stepsBox.textContent = "";
    answer.ready.forEach(function (task) { stepsBox.appendChild(stepForm(task)); });
    if (answer.finished) setStatus(M.testRunFinished, "success");
    else if (!answer.ready.length) setStatus(M.testRunStuck, "warning");
    else setStatus(M.testRunWaiting.replace("{count}", answer.ready.length));
  }

  function writeLog(answer) {
    answer.visited.forEach(function (id) {
      log.appendChild(el("li", { "data-element-id": id, text: nameOf(id) }));
    });
    answer.decisions.forEach(function (d) {
      var taken = d.flows.map(function (f) { return f.name || f.id; }).join(", ") || "—";
      log.appendChild(el("li", { className: "decision", "data-gateway": d.gateway,
        text: M.gatewayTook.replace("{gateway}", nameOf(d.gateway)).replace("{flows}", taken) }));
    });
    (answer.stand_ins || []).forEach(function (name) {
      log.appendChild(el("li", { className: "muted", text: M.standIn.replace("{name}", name) }));
    });
    if (answer.finished) log.appendChild(el("li", { className: "finished", text: M.testRunFinished }));
  }

  /* ---- one waiting step: its role and its form ----------------------------------- */

  function stepForm(task) {
    if (typeof task.html === "string") return renderedForm(task);
    var form = el("form", { className: "testrun-step", "data-step": task.activity_id, novalidate: true });
    form.appendChild(el("h3", { text: task.name }));
    var who = M.actAs.replace("{role}", (config.roleLabels || {})[task.role] || task.role_name || task.role || "—");
    if (task.assignee_from) {
      who += " · " + M.assignedBy.replace("{field}", task.assignee_from)
        .replace("{value}", task.assignee == null ? "—" : String(task.assignee));
    }
    if (task.due_in) who += " · " + M.dueLabel + " " + task.due_in;
    form.appendChild(el("p", { className: "muted testrun-role", text: who }));
    var fields = el("div", { className: "fields" });
    var readers = [];
    task.fields.forEach(function (f) {
      var made = control(f, task.prefill[f.name]);
      readers.push(made.read);
      var id = "tr-" + task.activity_id + "-" + f.name;
      made.node.id = id;
      fields.appendChild(el("div", { className: "field", "data-field": f.name }, [
        el("label", { for: id, text: f.title + (f.required ? " *" : "") }),
        made.node,
      ]));
    });
    if (!task.fields.length) form.appendChild(el("p", { className: "muted", text: M.noFormFields }));
    form.appendChild(fields);
    form.appendChild(el("button", { type: "submit", className: "primary", text: M.completeStep }));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      clearErrors(form);
      var data = {};
      var bad = [];
      readers.forEach(function (read) {
        var got = read();
        if (got.error) bad.push({ path: "/" + got.name, message: got.error });
        else if (got.value !== undefined) data[got.name] = got.value;
      });
      if (bad.length) {
        showErrors(form, bad);
        return;
      }
      form.querySelector("button[type=submit]").disabled = true;
      send(config.testStepUrl, { xml: run.xml, token: run.token, task_id: task.task_id, data: data })
        .then(function (answer) {
          form.querySelector("button[type=submit]").disabled = false;
          show(answer, form);
        });
    });
    return form;
  }

  /* The step's form as the server renders it for the task page (same macro, same
   * widgets: tables with their rows, read-only values as text, dependent choices); it is
   * posted as the task page posts, and a refusal comes back as the form with its errors. */
  function loadScriptsOf(container) {
    Array.prototype.forEach.call(container.querySelectorAll("script[src]"), function (script) {
      var src = script.getAttribute("src");
      script.remove();
      if (document.querySelector('script[src="' + src + '"]')) return;
      document.head.appendChild(el("script", { src: src, defer: true }));
    });
  }

  function fillForm(form, html) {
    form.querySelector(".testrun-form-body").innerHTML = html; // rendered and escaped by Jinja
    loadScriptsOf(form);
    form.dispatchEvent(new CustomEvent("schema-form:rendered", { bubbles: true }));
  }

  function renderedForm(task) {
    var form = el("form", { className: "testrun-step task-form", "data-step": task.activity_id,
      method: "post", enctype: "multipart/form-data" });
    form.appendChild(el("h3", { text: task.name }));
    var who = M.actAs.replace("{role}", (config.roleLabels || {})[task.role] || task.role_name || task.role || "—");
    if (task.assignee_from) {
      who += " · " + M.assignedBy.replace("{field}", task.assignee_from)
        .replace("{value}", task.assignee == null ? "—" : String(task.assignee));
    }
    if (task.due_in) who += " · " + M.dueLabel + " " + task.due_in;
    form.appendChild(el("p", { className: "muted testrun-role", text: who }));
    form.appendChild(el("div", { className: "testrun-form-body" }));
    if (!task.fields.length) form.appendChild(el("p", { className: "muted", text: M.noFormFields }));
    form.appendChild(el("div", { className: "form-buttons" }, [
      el("button", { type: "submit", className: "primary", text: M.completeStep }),
    ]));
    fillForm(form, task.html);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = new FormData(form);
      var submitter = event.submitter;
      if (submitter && submitter.name) body.append(submitter.name, submitter.value);
      // A file part: a text field's line breaks would become CRLF and change the diagram.
      body.append("xml", new Blob([run.xml], { type: "application/xml" }), "diagram.bpmn");
      body.append("token", run.token);
      body.append("task_id", task.task_id);
      var button = form.querySelector(".form-buttons button[type=submit]");
      button.disabled = true;
      fetch(panel.url(config.testStepUrl, panel.currentKey()), {
        method: "POST", credentials: "same-origin", body: body,
        headers: { "X-CSRFToken": panel.csrf, Accept: "application/json" },
      }).then(function (response) {
        return response.json().catch(function () { return { ok: false, message: "HTTP " + response.status }; });
      }).then(function (answer) {
        button.disabled = false;
        if (answer.redraw) { fillForm(form, answer.redraw); return; }
        if (!answer.ok && answer.html) {
          fillForm(form, answer.html);
          setStatus(answer.message || M.error, "error");
          var first = form.querySelector(".form-errors, .field-error");
          if (first) first.scrollIntoView({ block: "nearest" });
          return;
        }
        show(answer, null);
      });
    });
    return form;
  }

  /* A control for one field and how to read it back as the JSON the schema expects. */
  function control(f, value) {
    var node;
    if (f.options) {
      node = el("select", { name: f.name }, [el("option", { value: "", text: "—" })]);
      f.options.forEach(function (o, i) {
        var opt = el("option", { value: String(i), text: o.label });
        if (value !== undefined && o.value === value) opt.selected = true;
        node.appendChild(opt);
      });
      return { node: node, read: function () {
        var option = f.options[parseInt(node.value, 10)];
        return { name: f.name, value: option ? option.value : undefined };
      } };
    }
    if (f.type === "boolean") {
      node = el("input", { type: "checkbox", name: f.name });
      node.checked = value === true;
      return { node: node, read: function () { return { name: f.name, value: node.checked }; } };
    }
    if (f.type === "number" || f.type === "integer") {
      node = el("input", { type: "number", name: f.name, step: f.type === "integer" ? "1" : "any",
        value: value == null ? "" : String(value) });
      return { node: node, read: function () {
        if (node.value.trim() === "") return { name: f.name, value: undefined };
        var number = Number(node.value);
        if (isNaN(number)) return { name: f.name, error: M.notANumber };
        return { name: f.name, value: number };
      } };
    }
    if (f.type === "array" || f.type === "object") {
      node = el("textarea", { name: f.name, rows: 3 });
      node.value = value == null ? "" : JSON.stringify(value);
      return { node: node, read: function () {
        if (!node.value.trim()) return { name: f.name, value: undefined };
        try {
          return { name: f.name, value: JSON.parse(node.value) };
        } catch (error) {
          return { name: f.name, error: M.notJson };
        }
      } };
    }
    node = el("input", { type: "text", name: f.name, value: value == null ? "" : String(value) });
    return { node: node, read: function () {
      return { name: f.name, value: node.value === "" ? undefined : node.value };
    } };
  }

  function clearErrors(form) {
    Array.prototype.forEach.call(form.querySelectorAll(".field-error"), function (node) {
      node.remove();
    });
  }

  function showErrors(form, details) {
    clearErrors(form);
    details.forEach(function (d) {
      var name = (d.path || "").split("/")[1] || "";
      var holder = name && form.querySelector('[data-field="' + name.replace(/"/g, "") + '"]');
      var note = el("p", { className: "field-error", text: (holder ? "" : (d.path || "") + " ") + d.message });
      (holder || form).appendChild(note);
    });
  }

  root.querySelector("[data-action=test-run]").addEventListener("click", start);
  box.querySelector("[data-action=test-run-stop]").addEventListener("click", stop);
})();

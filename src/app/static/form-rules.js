/* What belongs together in a generated form, checked as the person fills it in: dates in
 * order and parts within totals (x-compare), a choice list narrowed by another choice
 * (二级指标 by 一级指标: dependent selects) and a pattern a choice implies (a quantitative
 * target must be a number). The rules come from the schema (forms/page_rules.py) in
 * data-form-rules (an object: the form, a nested object) and data-row-rules (each row of
 * a table). The server checks the same rules and decides; without this script a person
 * only hears of them after submitting. */
(function () {
  if (window.schemaFormRules) { return; }
  window.schemaFormRules = true;

  var DATE = /^\d{4}-\d{2}-\d{2}$/;
  var COMPARE = {
    "<=": function (a, b) { return a <= b; },
    "<": function (a, b) { return a < b; },
    ">=": function (a, b) { return a >= b; },
    ">": function (a, b) { return a > b; },
    "==": function (a, b) { return a === b; }
  };

  function parse(text) {
    try { return JSON.parse(text); } catch (e) { return null; }
  }

  // Every place rules apply: {el, prefix, rules}; a table's rules apply to each row.
  function scopes() {
    var found = [];
    document.querySelectorAll("[data-form-rules]").forEach(function (el) {
      var rules = parse(el.getAttribute("data-form-rules"));
      if (rules) { found.push({ el: el, prefix: el.getAttribute("data-rules-prefix") || "", rules: rules }); }
    });
    document.querySelectorAll("[data-row-rules]").forEach(function (box) {
      var rules = parse(box.getAttribute("data-row-rules"));
      if (!rules) { return; }
      box.querySelectorAll("tbody > tr[data-row]").forEach(function (row) {
        found.push({ el: row, prefix: row.getAttribute("data-row") + "-", rules: rules });
      });
    });
    return found;
  }

  function controls(scope, name) {
    return scope.el.querySelectorAll('[name="' + CSS.escape(scope.prefix + name) + '"]');
  }

  function valueOf(scope, name) {
    var found = controls(scope, name);
    if (!found.length) {
      // A value the step may not change is shown as text (e.g. an approved row's 符号).
      var shown = scope.el.querySelector("#" + CSS.escape(scope.prefix + name) + ".readonly-value");
      var text = shown ? shown.textContent.trim() : "";
      return shown ? (text === "—" ? "" : text) : null;
    }
    if (found[0].type === "radio") {
      var checked = Array.prototype.find.call(found, function (c) { return c.checked; });
      return checked ? checked.value : "";
    }
    return found[0].value.trim();
  }

  function number(text) {
    if (text === null || text === "") { return null; }
    var value = Number(text.replace(/,/g, ""));
    return isFinite(value) ? value : null;
  }

  // One side of a relation: a field's number or date, or the sum of several numbers.
  function side(scope, names) {
    if (Array.isArray(names)) {
      var total = null;
      for (var i = 0; i < names.length; i += 1) {
        var part = number(valueOf(scope, names[i]));
        if (part !== null) { total = (total || 0) + part; }
      }
      return total;
    }
    var text = valueOf(scope, names);
    if (text === null || text === "") { return null; }
    return DATE.test(text) ? text : number(text);
  }

  function firstName(names) { return Array.isArray(names) ? names[0] : names; }

  // An "if" of the schema; with "not", its "else" (which a blank value also takes).
  function holds(scope, test) {
    var value = valueOf(scope, test.field);
    if (value === null) { return false; }
    var met = value !== "" && (test.filled || (test["in"] || []).indexOf(value) !== -1);
    return test.not ? !met : met;
  }

  function matches(pattern, text) {
    try { return new RegExp("^(?:" + pattern + ")$", "v").test(text); } catch (e) { return true; }
  }

  // A select narrowed to the options the active conditions allow (all when none is).
  function narrow(scope, name, conditions) {
    var select = controls(scope, name)[0];
    if (!select || select.tagName !== "SELECT") { return; }
    var allowed = null;
    conditions.forEach(function (c) {
      if (!holds(scope, c["if"])) { return; }
      allowed = allowed === null ? c["enum"].slice() : allowed.filter(function (v) { return c["enum"].indexOf(v) !== -1; });
    });
    Array.prototype.forEach.call(select.options, function (option) {
      var off = option.value !== "" && allowed !== null && allowed.indexOf(option.value) === -1;
      option.hidden = off;
      option.disabled = off;
    });
    if (select.value && allowed !== null && allowed.indexOf(select.value) === -1) {
      select.value = "";
    }
  }

  // Messages by field name for one scope.
  function problems(scope) {
    var found = {};
    function add(name, message) { (found[name] = found[name] || []).push(message); }
    (scope.rules.compare || []).forEach(function (r) {
      var check = COMPARE[r.op];
      if (!check) { return; }
      if (r.unless && valueOf(scope, r.unless)) { return; }
      var left = side(scope, r.field);
      var right = r.other !== undefined ? side(scope, r.other) : r.value;
      if (left === null || right === null || right === undefined || typeof left !== typeof right) { return; }
      if (!check(left, right)) { add(firstName(r.field), r.message || ""); }
    });
    (scope.rules.when || []).forEach(function (c) {
      if (!c.pattern || !holds(scope, c["if"])) { return; }
      var text = valueOf(scope, c.field);
      if (text && !matches(c.pattern, text)) { add(c.field, c.message || ""); }
    });
    return found;
  }

  function fieldsOf(scope) {
    var names = {};
    (scope.rules.compare || []).forEach(function (r) { names[firstName(r.field)] = true; });
    (scope.rules.when || []).forEach(function (c) { if (c.pattern) { names[c.field] = true; } });
    return Object.keys(names);
  }

  // The message beside the field (its cell in a table), and the browser's own refusal
  // on submit, in the schema's words.
  function show(control, messages, visible) {
    var holder = control.closest("td") || control.closest(".field") || control.parentNode;
    var note = holder.querySelector("[data-page-check]");
    var text = messages.join("；");
    control.setCustomValidity(text);
    if (!visible && !note) { return; }
    if (!text) {
      if (note) { note.remove(); }
      control.removeAttribute("aria-invalid");
      return;
    }
    if (!note) {
      note = document.createElement("p");
      note.className = "field-error";
      note.setAttribute("data-page-check", "");
      note.id = control.id + "-page-check";
      holder.appendChild(note);
      var described = control.getAttribute("aria-describedby");
      control.setAttribute("aria-describedby", (described ? described + " " : "") + note.id);
    }
    note.textContent = text;
    control.setAttribute("aria-invalid", "true");
  }

  function apply(visible) {
    scopes().forEach(function (scope) {
      var dependent = {};
      (scope.rules.when || []).forEach(function (c) {
        if (c["enum"]) { (dependent[c.field] = dependent[c.field] || []).push(c); }
      });
      Object.keys(dependent).forEach(function (name) { narrow(scope, name, dependent[name]); });
      var found = problems(scope);
      fieldsOf(scope).forEach(function (name) {
        var control = controls(scope, name)[0];
        if (control && control.setCustomValidity) {
          show(control, found[name] || [], visible && visible.form === control.form);
        }
      });
    });
  }

  document.addEventListener("input", function () { apply(null); });
  document.addEventListener("change", function (event) { apply(event.target); });
  // A submit the browser refuses names each field; its message is shown beside it too.
  document.addEventListener("invalid", function (event) {
    if (event.target.validationMessage) { apply(event.target); }
  }, true);
  // Rows added in place get their narrowing at once.
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("button[data-row-action]")) {
      setTimeout(function () { apply(null); }, 0);
    }
  });
  apply(null);
})();

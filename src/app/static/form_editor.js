/* The form editor: a JSON Schema and its layout (ui schema) edited as a list of fields.
 *
 * The two JSON documents are the only state; every control reads from and writes into
 * them, so the field list, the raw JSON text areas and the preview never disagree:
 *   field list   title, name, type, help text, required, read-only, and per type:
 *                lengths and pattern, minimum/maximum, options, table columns
 *   order        the order of `properties` (and `ui:order` when the layout has one)
 *   JSON         the two text areas; valid JSON typed there replaces the state
 *   preview      the hidden form posts both documents to the server, which answers the
 *                product's own form HTML into the preview frame (debounced)
 * Saving posts both as JSON; the server checks them and answers the problems if any.
 * Fields of shapes the list does not edit (nested objects, lists of values) are kept
 * untouched and can be edited in the JSON.
 */
(function () {
  "use strict";

  var root = document.querySelector("[data-form-editor]");
  if (!root) return;
  var config = JSON.parse(document.getElementById("form-editor-config").textContent);
  var M = config.messages;
  var csrf = root.getAttribute("data-csrf");
  var state = { schema: config.schema, ui: config.ui || {} };
  var fieldsBox = root.querySelector("[data-fields]");
  var statusLine = root.querySelector(".form-editor-status");
  var problemsBox = root.querySelector(".form-editor-problems");
  var previewForm = root.querySelector("[data-preview-form]");
  var jsonAreas = {
    schema: root.querySelector("[data-json=schema]"),
    ui: root.querySelector("[data-json=ui]"),
  };
  var dirty = false;
  var previewTimer = null;
  var jsonTimer = null;

  var KINDS = ["text", "textarea", "number", "integer", "date", "select", "radio", "boolean",
    "file", "table"];
  var KIND_KEYWORDS = ["type", "format", "enum", "oneOf", "anyOf", "const", "items",
    "minItems", "maxItems", "minLength", "maxLength", "pattern", "minimum", "maximum",
    "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "default", "properties", "required"];
  var KEY_PATTERN = /^[A-Za-z][A-Za-z0-9_]*$/;

  /* ---- reading the schema ---- */

  function isObject(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  }

  function subUi(ui, name, create) {
    if (!isObject(ui[name])) {
      if (!create) return {};
      ui[name] = {};
    }
    return ui[name];
  }

  /* A container is an object schema whose properties the list edits, with its layout:
   * the form itself, or the row of a table. */
  function orderOf(container) {
    var props = isObject(container.schema.properties) ? container.schema.properties : {};
    var names = Object.keys(props);
    var order = container.ui["ui:order"];
    if (!Array.isArray(order)) return names;
    var listed = [];
    order.forEach(function (n) {
      if ((n === "*" || names.indexOf(n) >= 0) && listed.indexOf(n) < 0) listed.push(n);
    });
    if (listed.indexOf("*") < 0) listed.push("*");
    var result = [];
    listed.forEach(function (n) {
      if (n === "*") {
        names.forEach(function (m) {
          if (listed.indexOf(m) < 0 && result.indexOf(m) < 0) result.push(m);
        });
      } else if (result.indexOf(n) < 0) {
        result.push(n);
      }
    });
    return result;
  }

  function setOrder(container, names) {
    var props = container.schema.properties || {};
    var reordered = {};
    names.forEach(function (n) { reordered[n] = props[n]; });
    container.schema.properties = reordered;
    if (Array.isArray(container.ui["ui:order"])) container.ui["ui:order"] = names.slice();
  }

  function kindOf(prop, ui) {
    var type = Array.isArray(prop.type) ? prop.type.filter(function (t) { return t !== "null"; })[0] : prop.type;
    if (type === "array") {
      return isObject(prop.items) && (prop.items.type === "object" || isObject(prop.items.properties))
        ? "table" : "other";
    }
    if (type === "object" || prop.$ref || prop.anyOf) return "other";
    if (Array.isArray(prop.enum) || isChoiceList(prop.oneOf)) {
      return ui["ui:widget"] === "radio" ? "radio" : "select";
    }
    if (type === "boolean") return "boolean";
    if (type === "number" || type === "integer") return type;
    if (type === "string" || type === undefined) {
      if (prop.format === "date") return "date";
      if (prop.format === "data-url") return "file";
      return ui["ui:widget"] === "textarea" ? "textarea" : "text";
    }
    return "other";
  }

  function isChoiceList(options) {
    return Array.isArray(options) && options.length > 0 && options.every(function (o) {
      return isObject(o) && Object.prototype.hasOwnProperty.call(o, "const");
    });
  }

  function setKind(prop, ui, kind) {
    KIND_KEYWORDS.forEach(function (k) { delete prop[k]; });
    delete ui["ui:widget"];
    delete ui.items;
    if (kind === "textarea") ui["ui:widget"] = "textarea";
    if (kind === "radio") ui["ui:widget"] = "radio";
    if (kind === "number" || kind === "integer" || kind === "boolean") {
      prop.type = kind;
    } else if (kind === "table") {
      prop.type = "array";
      prop.items = { type: "object", properties: {} };
      prop.items.properties.column1 = { type: "string", title: M.newColumn + " 1" };
    } else {
      prop.type = "string";
      if (kind === "date") prop.format = "date";
      if (kind === "file") prop.format = "data-url";
      if (kind === "select" || kind === "radio") prop["enum"] = [M.option + " 1", M.option + " 2"];
    }
  }

  function optionsText(prop) {
    if (Array.isArray(prop.enum)) return prop.enum.map(String).join("\n");
    if (isChoiceList(prop.oneOf)) {
      return prop.oneOf.map(function (o) {
        var title = o.title === undefined ? String(o["const"]) : String(o.title);
        return title === String(o["const"]) ? title : o["const"] + " = " + title;
      }).join("\n");
    }
    return "";
  }

  function setOptions(prop, text) {
    var options = [];
    text.split("\n").forEach(function (line) {
      var at = line.indexOf("=");
      var value = (at >= 0 ? line.slice(0, at) : line).trim();
      var title = (at >= 0 ? line.slice(at + 1) : line).trim();
      if (value) options.push({ "const": value, title: title || value });
    });
    delete prop.enum;
    delete prop.oneOf;
    var titled = options.some(function (o) { return o.title !== o["const"]; });
    if (titled) prop.oneOf = options;
    else prop["enum"] = options.map(function (o) { return o["const"]; });
  }

  function isRequired(container, name) {
    return Array.isArray(container.schema.required) && container.schema.required.indexOf(name) >= 0;
  }

  function setRequired(container, name, on) {
    var list = Array.isArray(container.schema.required) ? container.schema.required : [];
    list = list.filter(function (n) { return n !== name; });
    if (on) list.push(name);
    if (list.length) container.schema.required = list;
    else delete container.schema.required;
  }

  function renameField(container, from, to) {
    var names = orderOf(container);
    var props = container.schema.properties;
    var renamed = {};
    Object.keys(props).forEach(function (n) { renamed[n === from ? to : n] = props[n]; });
    container.schema.properties = renamed;
    if (Array.isArray(container.schema.required)) {
      container.schema.required = container.schema.required.map(function (n) { return n === from ? to : n; });
    }
    if (Object.prototype.hasOwnProperty.call(container.ui, from)) {
      container.ui[to] = container.ui[from];
      delete container.ui[from];
    }
    setOrder(container, names.map(function (n) { return n === from ? to : n; }));
  }

  function freeName(container, stem) {
    var props = container.schema.properties || {};
    for (var i = 1; ; i++) {
      if (!Object.prototype.hasOwnProperty.call(props, stem + i)) return stem + i;
    }
  }

  /* ---- building the list ---- */

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  var uid = 0;

  function labelled(labelText, control, wide) {
    var box = el("div", { "class": "field" + (wide ? " fe-wide" : "") });
    var id = "fe-" + (++uid);
    control.id = id;
    box.appendChild(el("label", { "for": id }, labelText));
    box.appendChild(control);
    return box;
  }

  function input(type, value, name) {
    var node = el("input", { type: type, name: name });
    node.value = value === undefined || value === null ? "" : String(value);
    return node;
  }

  function checkbox(labelText, checked, name) {
    var label = el("label");
    var box = el("input", { type: "checkbox", name: name });
    box.checked = !!checked;
    label.appendChild(box);
    label.appendChild(document.createTextNode(labelText));
    return { label: label, box: box };
  }

  function numberKeyword(prop, keyword, integer) {
    return function (event) {
      var text = event.target.value.trim();
      if (text === "") delete prop[keyword];
      else if (!isNaN(Number(text))) prop[keyword] = integer ? parseInt(text, 10) : Number(text);
    };
  }

  function textKeyword(target, keyword) {
    return function (event) {
      var text = event.target.value;
      if (text.trim() === "") delete target[keyword];
      else target[keyword] = text;
    };
  }

  function renderList(box, container, nested) {
    while (box.firstChild) box.removeChild(box.firstChild);
    var names = orderOf(container);
    var list = el("ol", { "class": "fe-list" });
    if (!names.length) box.appendChild(el("p", { "class": "muted" }, M.noFields));
    names.forEach(function (name, index) {
      list.appendChild(renderField(container, name, index, names, nested, box));
    });
    box.appendChild(list);
    var add = el("button", { type: "button", "class": "secondary", "data-action": nested ? "add-column" : "add-field" },
      nested ? M.addColumn : M.addField);
    add.addEventListener("click", function () {
      if (!isObject(container.schema.properties)) container.schema.properties = {};
      var name = freeName(container, nested ? "column" : "field");
      var order = orderOf(container);
      container.schema.properties[name] = { type: "string", title: nested ? M.newColumn : M.newField };
      order.push(name);
      setOrder(container, order);
      changed();
      renderList(box, container, nested);
      var last = box.querySelector(":scope > .fe-list > .fe-field:last-child > .fe-grid input[name=title]");
      if (last) { last.focus(); last.select(); }
    });
    box.appendChild(add);
  }

  function renderField(container, name, index, names, nested, listBox) {
    var prop = container.schema.properties[name];
    if (!isObject(prop)) prop = container.schema.properties[name] = {};
    var ui = subUi(container.ui, name, false);
    var kind = kindOf(prop, ui);
    var item = el("li", { "class": "fe-field", "data-field": name });

    var head = el("div", { "class": "fe-head" });
    var heading = el("strong", {}, prop.title || name);
    head.appendChild(heading);
    var nameTag = el("code", { "class": "muted" }, name);
    head.appendChild(nameTag);
    function move(delta, labelText, action) {
      var button = el("button", { type: "button", "class": "secondary", "data-action": action, "aria-label": labelText + " " + (prop.title || name) },
        delta < 0 ? "↑" : "↓");
      button.title = labelText;
      button.disabled = index + delta < 0 || index + delta >= names.length;
      button.addEventListener("click", function () {
        var order = names.slice();
        order.splice(index, 1);
        order.splice(index + delta, 0, name);
        setOrder(container, order);
        changed();
        renderList(listBox, container, nested);
      });
      head.appendChild(button);
    }
    move(-1, M.moveUp, "move-up");
    move(1, M.moveDown, "move-down");
    var remove = el("button", { type: "button", "class": "secondary", "data-action": "remove", "aria-label": M.remove + " " + (prop.title || name) }, M.remove);
    remove.addEventListener("click", function () {
      delete container.schema.properties[name];
      delete container.ui[name];
      setRequired(container, name, false);
      setOrder(container, names.filter(function (n) { return n !== name; }));
      changed();
      renderList(listBox, container, nested);
    });
    head.appendChild(remove);
    item.appendChild(head);

    var grid = el("div", { "class": "fe-grid" });
    var title = input("text", prop.title, "title");
    title.addEventListener("input", function (event) {
      textKeyword(prop, "title")(event);
      heading.textContent = prop.title || name;
      changed();
    });
    grid.appendChild(labelled(M.title, title));

    var key = input("text", name, "key");
    var keyError = el("p", { "class": "field-error" });
    key.addEventListener("change", function () {
      var wanted = key.value.trim();
      keyError.textContent = "";
      if (wanted === name) return;
      if (!KEY_PATTERN.test(wanted)) keyError.textContent = M.badKey;
      else if (Object.prototype.hasOwnProperty.call(container.schema.properties, wanted)) keyError.textContent = M.takenKey;
      if (keyError.textContent) { key.value = name; return; }
      renameField(container, name, wanted);
      // Renamed in place, not by redrawing the list: a redraw would take the focus from
      // wherever the person went next (Tab, a click) and drop what they type there.
      // Every handler of this field reads `name`, and the list shares `names`.
      names[names.indexOf(name)] = wanted;
      name = wanted;
      item.setAttribute("data-field", name);
      nameTag.textContent = name;
      heading.textContent = prop.title || name;
      if (columns) columns.setAttribute("data-columns", name);
      changed();
    });
    var keyBox = labelled(M.key, key);
    keyBox.appendChild(keyError);
    grid.appendChild(keyBox);

    var kindSelect = el("select", { name: "kind" });
    var kinds = KINDS.filter(function (k) { return !(nested && k === "table"); });
    if (kind === "other" || kinds.indexOf(kind) < 0) kinds.push("other");
    kinds.forEach(function (k) {
      var option = el("option", { value: k }, M.kinds[k]);
      if (k === kind) option.selected = true;
      if (k === "other") option.disabled = kind !== "other";
      kindSelect.appendChild(option);
    });
    kindSelect.addEventListener("change", function () {
      setKind(prop, subUi(container.ui, name, true), kindSelect.value);
      changed();
      renderList(listBox, container, nested);
    });
    grid.appendChild(labelled(M.kind, kindSelect));

    var checks = el("div", { "class": "field fe-checks" });
    var required = checkbox(M.required, isRequired(container, name), "required");
    required.box.addEventListener("change", function () {
      setRequired(container, name, required.box.checked);
      changed();
    });
    var readonly = checkbox(M.readonly, prop.readOnly === true, "readonly");
    readonly.box.addEventListener("change", function () {
      if (readonly.box.checked) prop.readOnly = true;
      else delete prop.readOnly;
      changed();
    });
    checks.appendChild(required.label);
    checks.appendChild(readonly.label);
    grid.appendChild(checks);

    var help = input("text", prop.description, "description");
    help.addEventListener("input", function (event) { textKeyword(prop, "description")(event); changed(); });
    grid.appendChild(labelled(M.help, help, true));

    if (kind === "text" || kind === "textarea") {
      [["minLength", M.minLength], ["maxLength", M.maxLength]].forEach(function (pair) {
        var control = input("number", prop[pair[0]], pair[0]);
        control.min = "0";
        control.addEventListener("input", function (event) { numberKeyword(prop, pair[0], true)(event); changed(); });
        grid.appendChild(labelled(pair[1], control));
      });
      var pattern = input("text", prop.pattern, "pattern");
      pattern.addEventListener("input", function (event) { textKeyword(prop, "pattern")(event); changed(); });
      grid.appendChild(labelled(M.pattern, pattern, true));
    } else if (kind === "number" || kind === "integer") {
      [["minimum", M.minimum], ["maximum", M.maximum]].forEach(function (pair) {
        var control = input("number", prop[pair[0]], pair[0]);
        control.step = kind === "integer" ? "1" : "any";
        control.addEventListener("input", function (event) {
          numberKeyword(prop, pair[0], kind === "integer")(event);
          changed();
        });
        grid.appendChild(labelled(pair[1], control));
      });
    } else if (kind === "select" || kind === "radio") {
      var options = el("textarea", { name: "options", rows: "4" });
      options.value = optionsText(prop);
      options.addEventListener("input", function () { setOptions(prop, options.value); changed(); });
      var optionsBox = labelled(M.options, options, true);
      optionsBox.appendChild(el("p", { "class": "muted" }, M.optionsHint));
      grid.appendChild(optionsBox);
    } else if (kind === "table") {
      var oneRow = checkbox(M.atLeastOneRow, (prop.minItems || 0) >= 1, "min_rows");
      oneRow.box.addEventListener("change", function () {
        if (oneRow.box.checked) prop.minItems = 1;
        else delete prop.minItems;
        changed();
      });
      var rowCheck = el("div", { "class": "field fe-checks fe-wide" });
      rowCheck.appendChild(oneRow.label);
      grid.appendChild(rowCheck);
      var columns = el("div", { "class": "fe-columns", "data-columns": name });
      columns.appendChild(el("h3", {}, M.columns));
      var columnList = el("div");
      columns.appendChild(columnList);
      var rowUi = subUi(subUi(container.ui, name, true), "items", true);
      renderList(columnList, { schema: prop.items, ui: rowUi }, true);
      grid.appendChild(columns);
    } else if (kind === "other") {
      grid.appendChild(el("p", { "class": "muted fe-wide" }, M.otherHint));
    }
    item.appendChild(grid);
    return item;
  }

  /* ---- JSON, preview, saving ---- */

  /* The layout without the empty objects the list creates on the way. */
  function cleanUi(value) {
    if (Array.isArray(value)) return value;
    if (!isObject(value)) return value;
    var out = {};
    Object.keys(value).forEach(function (k) {
      var v = cleanUi(value[k]);
      if (isObject(v) && !Object.keys(v).length) return;
      out[k] = v;
    });
    return out;
  }

  function schemaText() { return JSON.stringify(state.schema, null, 2); }
  function uiText() { return JSON.stringify(cleanUi(state.ui), null, 2); }

  function showJson() {
    if (document.activeElement !== jsonAreas.schema) jsonAreas.schema.value = schemaText();
    if (document.activeElement !== jsonAreas.ui) jsonAreas.ui.value = uiText();
  }

  function schedulePreview() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(refreshPreview, 400);
  }

  function refreshPreview() {
    previewForm.querySelector("[name=schema]").value = schemaText();
    previewForm.querySelector("[name=ui]").value = uiText();
    previewForm.submit();
  }

  function changed() {
    dirty = true;
    showJson();
    schedulePreview();
  }

  function onJsonInput() {
    clearTimeout(jsonTimer);
    jsonTimer = setTimeout(function () {
      var parsed = {};
      var ok = true;
      ["schema", "ui"].forEach(function (which) {
        var error = root.querySelector("[data-json-error=" + which + "]");
        error.textContent = "";
        try {
          parsed[which] = JSON.parse(jsonAreas[which].value || "{}");
          if (!isObject(parsed[which])) throw new Error("{ … }");
        } catch (e) {
          ok = false;
          error.textContent = M.badJson + " " + e.message;
        }
      });
      if (!ok) return;
      state.schema = parsed.schema;
      state.ui = parsed.ui;
      renderAll();
      changed();
    }, 500);
  }

  function renderTitle() {
    var box = el("div", { "class": "fe-grid" });
    var title = input("text", state.schema.title, "form_title");
    title.addEventListener("input", function (event) { textKeyword(state.schema, "title")(event); changed(); });
    box.appendChild(labelled(M.formTitle, title, true));
    return box;
  }

  function renderAll() {
    while (fieldsBox.firstChild) fieldsBox.removeChild(fieldsBox.firstChild);
    fieldsBox.appendChild(renderTitle());
    var list = el("div", { "data-field-list": "" });
    fieldsBox.appendChild(list);
    renderList(list, { schema: state.schema, ui: state.ui }, false);
  }

  function showProblems(title, problems) {
    var list = problemsBox.querySelector("ul");
    while (list.firstChild) list.removeChild(list.firstChild);
    problemsBox.querySelector(".problems-title").textContent = title;
    (problems || []).forEach(function (p) { list.appendChild(el("li", {}, p)); });
    problemsBox.hidden = !title;
  }

  function save() {
    statusLine.textContent = M.saving;
    showProblems("", []);
    var request = new XMLHttpRequest();
    request.open("POST", config.saveUrl);
    request.setRequestHeader("Content-Type", "application/json");
    request.setRequestHeader("X-CSRFToken", csrf);
    request.onload = function () {
      var answer = {};
      try { answer = JSON.parse(request.responseText); } catch (e) { answer = {}; }
      if (request.status === 200 && answer.ok) {
        dirty = false;
        statusLine.textContent = M.saved;
      } else {
        statusLine.textContent = "";
        showProblems(M.notSaved + " " + (answer.message || request.status), answer.problems);
      }
    };
    request.onerror = function () {
      statusLine.textContent = "";
      showProblems(M.notSaved + " " + request.status, []);
    };
    request.send(JSON.stringify({ schema: state.schema, ui: cleanUi(state.ui) }));
  }

  jsonAreas.schema.addEventListener("input", onJsonInput);
  jsonAreas.ui.addEventListener("input", onJsonInput);
  root.querySelector("[data-action=save]").addEventListener("click", save);
  window.addEventListener("beforeunload", function (event) {
    if (!dirty) return undefined;
    event.preventDefault();
    event.returnValue = M.unsaved;
    return M.unsaved;
  });

  renderAll();
  showJson();
  refreshPreview();
  root.classList.add("form-editor-ready");
})();

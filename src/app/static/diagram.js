/* Draws a deployed diagram with bpmn-js (NavigatedViewer: pan and zoom, nothing editable)
 * into every figure.diagram: on a submission's page it marks where the submission
 * stands, on a heatmap how many wait at each step.
 *
 * The figure names the XML's address (data-xml-url, same origin) and, optionally, the
 * id of a <script type="application/json"> holding
 *   data-marks: {current: [{activity_id, label}], done: {activity_id: count}} —
 *     current steps get the class `current-step` and a label (holder or role · waiting
 *     time); steps that completed get `done-step`, with "×N" when they ran N > 1 times;
 *   data-heat: {steps: [{activity_id, level, label}]} — each step gets `heat-<level>`
 *     (0: nobody waits, 1..4 light to dark) and a label "等待 N · 中位 …";
 *   data-diff: {elements: [{activity_id, change}]} — on a comparison of two versions,
 *     each element gets `diff-added`, `diff-removed` or `diff-changed` (flows included).
 * A page may also embed #role-names ({code: display name}): lanes and pools named by a
 * role code are labelled with the role's name (the XML keeps the code routing reads).
 * The figures are hidden in the HTML, so that without JavaScript nothing empty shows.
 */
(function () {
  "use strict";

  function readJson(figure, attribute) {
    return jsonById(figure.getAttribute(attribute));
  }

  function jsonById(id) {
    var node = id && document.getElementById(id);
    if (!node) return null;
    try {
      return JSON.parse(node.textContent);
    } catch (e) {
      return null;
    }
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    node.className = className;
    node.textContent = text; // never innerHTML: labels carry people's names
    return node;
  }

  function applyMarks(viewer, marks) {
    var canvas = viewer.get("canvas");
    var overlays = viewer.get("overlays");
    var registry = viewer.get("elementRegistry");
    var done = marks.done || {};
    Object.keys(done).forEach(function (activityId) {
      if (!registry.get(activityId)) return;
      canvas.addMarker(activityId, "done-step");
      if (done[activityId] > 1) {
        overlays.add(activityId, "step-count", {
          position: { top: -10, right: 12 },
          html: element("span", "diagram-badge", "×" + done[activityId]),
        });
      }
    });
    var labelsPerStep = {};
    (marks.current || []).forEach(function (mark) {
      if (!registry.get(mark.activity_id)) return;
      canvas.removeMarker(mark.activity_id, "done-step");
      canvas.addMarker(mark.activity_id, "current-step");
      var n = labelsPerStep[mark.activity_id] || 0;
      labelsPerStep[mark.activity_id] = n + 1;
      overlays.add(mark.activity_id, "current-holder", {
        position: { bottom: -4 - 24 * n, left: 0 },
        html: element("span", "diagram-holder", mark.label),
      });
    });
  }

  function applyHeat(viewer, data) {
    var canvas = viewer.get("canvas");
    var overlays = viewer.get("overlays");
    var registry = viewer.get("elementRegistry");
    (data.steps || []).forEach(function (step) {
      if (!registry.get(step.activity_id)) return;
      var level = Math.max(0, Math.min(4, step.level | 0));
      canvas.addMarker(step.activity_id, "heat-" + level);
      overlays.add(step.activity_id, "heat-label", {
        position: { bottom: -4, left: 0 },
        html: element("span", "heat-label heat-label-" + level, step.label),
      });
    });
  }

  var DIFF_CHANGES = { added: 1, removed: 1, changed: 1 };

  function applyDiff(viewer, data) {
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    (data.elements || []).forEach(function (item) {
      if (!registry.get(item.activity_id) || !DIFF_CHANGES[item.change]) return;
      canvas.addMarker(item.activity_id, "diff-" + item.change);
    });
  }

  /* A lane's label is its role's display name ("预算单位"), never the code
   * ("budget_unit"): the code stays in the XML, only the drawn label changes. */
  function labelLanes(viewer, roleNames) {
    if (!roleNames) return;
    var registry = viewer.get("elementRegistry");
    var graphics = viewer.get("graphicsFactory");
    registry.filter(function (shape) {
      var type = shape.businessObject && shape.businessObject.$type;
      return type === "bpmn:Lane" || type === "bpmn:Participant";
    }).forEach(function (shape) {
      var code = (shape.businessObject.name || "").trim();
      if (!Object.prototype.hasOwnProperty.call(roleNames, code)) return;
      shape.businessObject.name = roleNames[code];
      graphics.update("shape", shape, registry.getGraphics(shape));
    });
  }

  var PAD = 20;

  /* Size the canvas to the diagram's proportions (no empty band under a small one,
   * at most 720 px tall), then fit the whole diagram in it: nothing is off-screen,
   * and the zoom buttons bring the detail closer. */
  function fit(container, canvas, labelRoom) {
    var inner = canvas.viewbox().inner;
    var scale = Math.min(1, (container.clientWidth - 2 * PAD) / inner.width);
    var height = Math.round(inner.height * scale + 2 * PAD + labelRoom);
    container.style.height = Math.max(240, Math.min(height, 720)) + "px";
    canvas.resized();
    canvas.zoom("fit-viewport", "auto");
  }

  function wireZoom(figure, canvas) {
    figure.querySelectorAll("[data-zoom]").forEach(function (button) {
      button.addEventListener("click", function () {
        var how = button.getAttribute("data-zoom");
        if (how === "fit") canvas.zoom("fit-viewport", "auto");
        else canvas.zoom(canvas.zoom() * (how === "in" ? 1.25 : 0.8));
      });
    });
  }

  function showError(figure, error) {
    var box = figure.querySelector(".diagram-error");
    if (box) box.hidden = false;
    figure.classList.add("diagram-failed");
    if (window.console) console.error("diagram:", error);
  }

  function draw(figure) {
    var wrapper = figure.closest("[data-diagram-wrapper]") || figure;
    wrapper.hidden = false;
    if (typeof window.BpmnJS !== "function") {
      showError(figure, "bpmn-js is not loaded");
      return;
    }
    var viewer = new window.BpmnJS({ container: figure.querySelector(".diagram-canvas") });
    fetch(figure.getAttribute("data-xml-url"), {
      credentials: "same-origin",
      headers: { Accept: "application/xml" },
    })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (xml) {
        return viewer.importXML(xml);
      })
      .then(function () {
        var canvas = viewer.get("canvas");
        labelLanes(viewer, jsonById("role-names"));
        var heat = readJson(figure, "data-heat");
        fit(figure.querySelector(".diagram-canvas"), canvas, heat ? 24 : 0);
        var marks = readJson(figure, "data-marks");
        if (marks) applyMarks(viewer, marks);
        if (heat) applyHeat(viewer, heat);
        var diff = readJson(figure, "data-diff");
        if (diff) applyDiff(viewer, diff);
        wireZoom(figure, canvas);
        figure.classList.add("diagram-ready");
      })
      .catch(function (error) {
        showError(figure, error);
      });
  }

  document.querySelectorAll("figure.diagram[data-xml-url]").forEach(draw);
})();

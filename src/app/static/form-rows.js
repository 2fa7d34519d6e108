/* Repeating rows of generated forms (indicator tables): add and remove a row in place.
 * Without this script the row buttons submit __add_row__ / __remove_row__ and the server
 * redraws the form, so it only saves a round trip. */
(function () {
  if (window.schemaFormRows) { return; }
  window.schemaFormRows = true;
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-row-action]");
    var box = button && button.closest("[data-rows]");
    if (!box) { return; }
    event.preventDefault();
    var body = box.querySelector("tbody");
    if (button.getAttribute("data-row-action") === "add") {
      var index = parseInt(box.getAttribute("data-next-index"), 10) || 0;
      box.setAttribute("data-next-index", String(index + 1));
      var html = box.querySelector("template").innerHTML
        .split("__index__").join(String(index))
        .split("__row__").join(String(body.rows.length + 1));
      body.insertAdjacentHTML("beforeend", html);
      var first = body.lastElementChild.querySelector("input, select, textarea");
      if (first) { first.focus(); }
    } else {
      button.closest("tr").remove();
      box.querySelector("button.add-row").focus();
    }
  });
})();

/* Library tables of generated forms (the indicator library): picking an indicator fills
 * its row's levels, sign, unit and scoring standard. Two ways in: choosing a name the
 * name input's datalist offers, or a 选用 button of the picker's list (into the first row
 * without a name, else a new row). Without this script the datalist still suggests names
 * and the list reads as a reference; the person fills the other cells by hand. */
(function () {
  if (window.schemaFormLibrary) { return; }
  window.schemaFormLibrary = true;

  // Cells the library fills; the target value and points stay the person's to give.
  // A standard value already typed is kept: it is the row's own, not the library's.
  var KEEP_TYPED = { standard_value: true };

  function rowsBox(name) {
    return document.querySelector('[data-rows="' + CSS.escape(name) + '"]');
  }

  // The row's cells in column order: each one the library has a value for is filled.
  function fillRow(row, fill) {
    var nameInput = row.querySelector('input[list^="library-"]');
    if (!nameInput) { return []; }
    var prefix = nameInput.name.slice(0, -"name".length);
    var headings = row.closest("table").querySelectorAll("thead th");
    var filled = [];
    row.querySelectorAll("input, select, textarea").forEach(function (control) {
      var key = control.name.indexOf(prefix) === 0 ? control.name.slice(prefix.length) : "";
      var value = fill[key];
      if (!Object.prototype.hasOwnProperty.call(fill, key) || control.disabled || control.readOnly) {
        return;
      }
      if (KEEP_TYPED[key] && control.value) { return; }
      if (value === "" && key !== "unit") { return; }
      if (control.tagName === "SELECT" &&
          !Array.prototype.some.call(control.options, function (o) { return o.value === value; })) {
        return;
      }
      if (control.value !== value) {
        control.value = value;
        control.dispatchEvent(new Event("change", { bubbles: true }));
      }
      // The column's title is its heading's first text (before the required mark and help).
      var heading = headings[control.closest("td").cellIndex];
      if (key !== "name" && heading) { filled.push(heading.firstChild.textContent.trim()); }
    });
    row.classList.add("library-filled");
    return filled;
  }

  function targetRow(box) {
    var rows = box.querySelectorAll("tbody tr");
    for (var i = 0; i < rows.length; i += 1) {
      var name = rows[i].querySelector('input[list^="library-"]');
      if (name && !name.value.trim()) { return rows[i]; }
    }
    var add = box.querySelector("button.add-row");
    if (!add) { return null; }
    add.click();  // static/form-rows.js adds the row in place
    return box.querySelector("tbody").lastElementChild;
  }

  // Said to screen readers, in the page's language (the template gives the wording).
  function picked(row, fill, tableName) {
    var filled = fillRow(row, fill);
    var status = document.querySelector('[data-library-status="' + CSS.escape(tableName) + '"]');
    if (!status) { return; }
    status.textContent = status.getAttribute("data-message")
      .replace("{row}", String(Array.prototype.indexOf.call(row.parentNode.rows, row) + 1))
      .replace("{name}", fill.name)
      .replace("{cells}", filled.join("、"));
  }

  // A name chosen from the datalist (or typed exactly as the library has it).
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches('input[list^="library-"]')) { return; }
    var list = document.getElementById(input.getAttribute("list"));
    var option = list && Array.prototype.find.call(list.options, function (o) {
      return o.value === input.value;
    });
    if (!option) { return; }
    var row = input.closest("tr");
    var box = input.closest("[data-rows]");
    picked(row, JSON.parse(option.getAttribute("data-fill")), box.getAttribute("data-rows"));
  });

  // The picker's 选用 buttons and filter.
  document.querySelectorAll("details.library-picker").forEach(function (picker) {
    picker.querySelectorAll("button.pick-indicator").forEach(function (button) { button.hidden = false; });
    var filter = picker.querySelector("[data-library-filter]");
    if (filter) {
      filter.closest(".library-filter").hidden = false;
      filter.addEventListener("input", function () {
        var words = filter.value.trim();
        picker.querySelectorAll("tbody tr").forEach(function (entry) {
          entry.hidden = words !== "" && entry.textContent.indexOf(words) === -1;
        });
      });
    }
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button.pick-indicator");
    if (!button) { return; }
    event.preventDefault();
    var tableName = button.closest("[data-library-for]").getAttribute("data-library-for");
    var box = rowsBox(tableName);
    var row = box && targetRow(box);
    if (!row) { return; }
    var fill = JSON.parse(button.closest("tr").getAttribute("data-fill"));
    picked(row, fill, tableName);
    var name = row.querySelector('input[list^="library-"]').name;
    var next = row.querySelector('[name="' + CSS.escape(name.slice(0, -"name".length) + "target") + '"]');
    (next || row.querySelector("input, select")).focus();
  });
})();

// The form editor's preview is for looking at: a submit (Enter in a field) goes nowhere.
(function () {
  var form = document.querySelector("form.preview-form");
  if (form) {
    form.addEventListener("submit", function (event) { event.preventDefault(); });
  }
})();

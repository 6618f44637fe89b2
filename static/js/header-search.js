// The header's search: its suggestions (swapped in by htmx as you type) close on
// Escape and when you click elsewhere. No inline script: the strict CSP holds.
(function () {
  "use strict";
  var input = document.getElementById("header-search-q");
  var box = document.getElementById("header-search-suggestions");
  if (!input || !box) {
    return;
  }
  function close() {
    box.replaceChildren();
  }
  input.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      close();
    }
  });
  document.addEventListener("click", function (event) {
    if (!event.target.closest(".header-search")) {
      close();
    }
  });
})();

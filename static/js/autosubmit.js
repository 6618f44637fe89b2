// Filters that apply without a button: a form marked data-autosubmit is sent as soon as
// one of its choices changes (the search box when it is left or Enter is pressed). The
// button stays for those without JavaScript. No inline script: the strict CSP holds.
(function () {
  "use strict";
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    form.addEventListener("change", function (event) {
      if (event.target.matches("select, input")) {
        form.requestSubmit();
      }
    });
  });
})();

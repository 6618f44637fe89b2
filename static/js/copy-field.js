/* Copy buttons: <button data-copy="ID"> copies the value of the field with that id.
 *
 * The button is hidden in the page and shown here, so without JavaScript (or
 * without the Clipboard API) the field stays as it is: read-only, selectable,
 * copied by hand. The field's form group's [role=status] says what happened.
 */
(function () {
  "use strict";

  function say(button, text) {
    var group = button.closest(".field");
    var status = group && group.querySelector(".copy-status");
    if (status) status.textContent = text;
  }

  function copy(event) {
    var button = event.currentTarget;
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) return;
    field.focus();
    field.select();
    navigator.clipboard.writeText(field.value).then(
      function () {
        say(button, "Copied.");
      },
      function () {
        say(button, "Could not copy: the address is selected, copy it with your keyboard.");
      }
    );
  }

  function start() {
    if (!navigator.clipboard || !navigator.clipboard.writeText) return;
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", copy);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

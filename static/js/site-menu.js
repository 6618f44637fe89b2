/* The header's menu on a small screen: a disclosure button (aria-expanded) that shows
 * and hides .site-menu (its aria-controls).
 *
 * Loaded in <head>, not deferred: it adds the class "js" to <html> at once, and only
 * then does the stylesheet hide the menu behind its button (below 48rem), so without
 * JavaScript the header simply wraps, open. Listeners sit on the document, so a header
 * swapped in by htmx works too. Escape closes the menu and puts focus back on its button.
 *
 * The saved views (a <details class="nav-saved"> in the main navigation) drop down on a
 * wide screen: a click elsewhere closes them, and Escape closes them and focuses their
 * summary, as a menu would.
 */
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  function menuOf(button) {
    return document.getElementById(button.getAttribute("aria-controls"));
  }

  function setOpen(button, open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
  }

  function openDropdowns() {
    return document.querySelectorAll("details.nav-saved[open]");
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest(".menu-toggle") : null;
    if (button && menuOf(button)) {
      setOpen(button, button.getAttribute("aria-expanded") !== "true");
    }
    var dropdowns = openDropdowns();
    for (var i = 0; i < dropdowns.length; i++) {
      if (!dropdowns[i].contains(event.target)) {
        dropdowns[i].open = false;
      }
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    var dropdowns = openDropdowns();
    for (var d = 0; d < dropdowns.length; d++) {
      if (dropdowns[d].contains(document.activeElement)) {
        dropdowns[d].open = false;
        dropdowns[d].querySelector("summary").focus();
        return;
      }
    }
    var open = document.querySelectorAll('.menu-toggle[aria-expanded="true"]');
    for (var i = 0; i < open.length; i++) {
      var button = open[i];
      var menu = menuOf(button);
      if (menu && (menu.contains(document.activeElement) || button === document.activeElement)) {
        setOpen(button, false);
        button.focus();
      }
    }
  });
})();

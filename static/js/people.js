/* The people picker: suggestions for inputs marked data-people-url (forms/widgets/person.html).
 *
 * As one types (two characters or more), the input's <datalist> is filled with
 * the people /people/?q= finds; picking one puts its label, "Ada Lovelace (ada)",
 * in the box, which the form field reads back on the server. Without JavaScript
 * the box takes a username, an email address or a full name just the same.
 * Included once per picker: it sets itself up once.
 */
(function () {
  "use strict";

  if (window.pilotgatePeople) {
    return;
  }
  window.pilotgatePeople = true;

  var WAIT_MS = 200;
  var timers = new WeakMap();
  var asked = new WeakMap();

  function fill(input, results) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) {
      return;
    }
    list.replaceChildren.apply(
      list,
      results.map(function (person) {
        var option = document.createElement("option");
        option.value = person.value;
        return option;
      })
    );
  }

  function suggest(input) {
    var text = input.value.trim();
    if (text.length < 2 || asked.get(input) === text) {
      return;
    }
    asked.set(input, text);
    var url = new URL(input.dataset.peopleUrl, window.location.href);
    url.searchParams.set("q", text);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : { results: [] };
      })
      .then(function (answer) {
        if (input.value.trim() === text) {
          fill(input, answer.results || []);
        }
      })
      .catch(function () {
        /* No suggestions: the box still takes a username or an email. */
      });
  }

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.dataset.peopleUrl) {
      return;
    }
    clearTimeout(timers.get(input));
    timers.set(
      input,
      setTimeout(function () {
        suggest(input);
      }, WAIT_MS)
    );
  });
})();

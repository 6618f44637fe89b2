/* Upload progress for forms marked data-upload-progress (sent by htmx).
 *
 * While the file uploads, the form's <progress> shows the percentage sent
 * (htmx:xhr:progress); once it is sent, the status line says the server is
 * checking the rows. Without JavaScript, or without htmx, the form is a plain
 * POST and works the same, only without the progress bar.
 */
(function () {
  "use strict";

  var FORM = "form[data-upload-progress]";
  var MAX_BYTES_COUNTED = 2 * 1024 * 1024; // larger files are refused by the server anyway

  function formOf(event) {
    var elt = (event.detail && event.detail.elt) || event.target;
    return elt && elt.closest ? elt.closest(FORM) : null;
  }

  function parts(form) {
    return {
      box: form.querySelector(".upload-progress"),
      bar: form.querySelector(".upload-progress progress"),
      percent: form.querySelector(".upload-percent"),
      status: form.querySelector(".upload-status"),
      button: form.querySelector("button[type=submit]"),
    };
  }

  function setPercent(p, percent) {
    p.bar.value = percent;
    p.bar.textContent = percent + "%";
    if (p.percent) p.percent.textContent = percent + "%";
  }

  // Rows below the header, for "Checking N rows…" (blank lines are not counted).
  function countRows(text) {
    var lines = text.split(/\r\n|\n|\r/).filter(function (line) {
      return line.trim() !== "";
    });
    return Math.max(lines.length - 1, 0);
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    var form = input.closest ? input.closest(FORM) : null;
    if (!form || input.type !== "file") return;
    delete form.dataset.rows;
    var file = input.files && input.files[0];
    if (!file || typeof file.text !== "function" || file.size > MAX_BYTES_COUNTED) return;
    file.text().then(function (text) {
      form.dataset.rows = String(countRows(text));
    });
  });

  function checking(form) {
    var p = parts(form);
    var rows = Number(form.dataset.rows || 0);
    form.dataset.phase = "checking";
    setPercent(p, 100);
    p.status.textContent = rows
      ? "Checking " + rows.toLocaleString() + " row" + (rows === 1 ? "" : "s") + "…"
      : "Checking the rows…";
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = formOf(event);
    if (!form) return;
    var p = parts(form);
    form.dataset.phase = "uploading";
    form.setAttribute("aria-busy", "true");
    p.box.hidden = false;
    setPercent(p, 0);
    p.status.textContent = "Uploading the file…";
    p.button.disabled = true;
  });

  // htmx sends the upload's progress events, then the response's: only the first count.
  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = formOf(event);
    var detail = event.detail;
    if (!form || form.dataset.phase !== "uploading" || !detail.lengthComputable) return;
    if (!detail.total) return;
    setPercent(parts(form), Math.floor((detail.loaded / detail.total) * 100));
    if (detail.loaded >= detail.total) checking(form);
  });

  document.addEventListener("htmx:xhr:loadend", function (event) {
    var form = formOf(event);
    if (form && form.dataset.phase === "uploading") checking(form); // the upload has ended
  });

  // On success the answer replaces the form; on failure the form stays, with why.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = formOf(event);
    if (!form || !form.isConnected) return;
    var p = parts(form);
    delete form.dataset.phase;
    form.removeAttribute("aria-busy");
    p.button.disabled = false;
    if (!event.detail.successful) {
      var status = event.detail.xhr ? event.detail.xhr.status : 0;
      p.box.hidden = true;
      p.status.textContent = status
        ? "The file could not be checked (error " + status + "). Reload the page and try again."
        : "The upload failed: check your connection and try again.";
    }
  });

  // After the swap, move focus to the new heading so screen readers start there.
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!event.target || event.target.id !== "import") return;
    var heading = document.getElementById("import-heading");
    if (heading) heading.focus();
  });
})();

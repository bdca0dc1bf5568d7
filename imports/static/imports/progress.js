// Polls an import job's status (readable by its owner only) and moves the progress bar; when the
// job finishes, the page reloads once to show the counts and the report link.
(function () {
  "use strict";
  var section = document.querySelector("[data-import-status]");
  if (!section || section.dataset.finished === "true") {
    return;
  }
  var bar = section.querySelector("progress");
  var percent = section.querySelector("[data-percent]");
  var label = section.querySelector("[data-status-label]");

  function poll() {
    fetch(section.dataset.importStatus, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (state) {
        bar.value = state.percent;
        bar.textContent = state.percent + "%";
        percent.textContent = state.percent + "%";
        label.textContent = state.status_label;
        if (state.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 3000);
      });
  }
  poll();
})();

// Certificate batch page: poll the batch's status (readable by its owner only) and move the bar.
(function () {
  "use strict";
  var root = document.querySelector(".certificate-batch");
  if (!root) { return; }
  var url = root.getAttribute("data-status-url");
  var progress = root.querySelector(".batch-progress");
  var bar = root.querySelector(".batch-progress-bar");

  function show(data) {
    bar.style.inlineSize = data.percent + "%";
    progress.setAttribute("aria-valuenow", String(data.percent));
    root.querySelector(".batch-percent").textContent = data.percent;
    root.querySelector(".batch-done").textContent = data.done;
    root.querySelector(".batch-total").textContent = data.total;
    root.querySelector(".batch-status").textContent = data.status_label;
    root.setAttribute("data-status", data.status);
    var error = root.querySelector(".batch-error");
    error.textContent = data.error || "";
    error.hidden = !data.error;
    root.querySelector(".batch-download").hidden = data.status !== "done";
    root.querySelector(".batch-pause").hidden = !data.can_pause;
    root.querySelector(".batch-resume").hidden = !data.can_resume;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) {
        show(data);
        if (data.status === "queued" || data.status === "running") { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }

  bar.style.inlineSize = bar.getAttribute("data-percent") + "%";
  poll();
})();

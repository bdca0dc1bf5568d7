// Marks a lesson complete once the trainee has scrolled its end into view. The endpoint is idempotent, so a
// retry after a dropped connection (or the button as well) records the lesson only once. Without
// JavaScript, or without IntersectionObserver, the "complete" button does the same job.
(function () {
  "use strict";
  var form = document.querySelector("[data-lesson-complete]");
  var end = document.querySelector("[data-lesson-end]");
  if (!form || !end || form.dataset.done === "1" || !("IntersectionObserver" in window) || !window.fetch) {
    return;
  }
  var sending = false;

  function markDone() {
    form.dataset.done = "1";
    var status = form.querySelector("[data-status]");
    if (status) status.hidden = false;
    var button = form.querySelector("button");
    if (button) button.hidden = true;
  }

  function send(observer, attempt) {
    if (sending || form.dataset.done === "1") return;
    sending = true;
    var body = new FormData(form);
    body.set("method", "scrolled");
    fetch(form.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": body.get("csrfmiddlewaretoken") }
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        sending = false;
        if (data && data.completed) {
          markDone();
          observer.disconnect();
        }
      })
      .catch(function () {
        // Bad connection: try again a little later, a few times; the button stays available.
        sending = false;
        if (attempt < 4) setTimeout(function () { send(observer, attempt + 1); }, 3000 * (attempt + 1));
      });
  }

  var observer = new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (entry.isIntersecting) send(observer, 0);
    });
  });
  // "Reached and scrolled": watch the end only once the trainee has scrolled, so opening a lesson
  // is not reading it. A lesson short enough to need no scrolling is completed with the button.
  window.addEventListener("scroll", function () { observer.observe(end); }, { once: true, passive: true });
})();

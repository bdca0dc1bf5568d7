/* Lineage tree: loads a session's participants, or the sessions a participant trained, when its branch
   is first opened; loads further pages in place; opens and collapses the loaded branches of a generation.
   Without this script every branch is still a link to a page of its own. */
(function () {
  "use strict";

  function load(url) {
    return fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } }).then(function (response) {
      if (!response.ok) { throw new Error(response.status); }
      return response.text();
    });
  }

  function fill(details) {
    var slot = details.querySelector(":scope > [data-ln-slot]");
    if (!slot || details.dataset.lnLoaded) { return; }
    details.dataset.lnLoaded = "1";
    slot.setAttribute("aria-busy", "true");
    load(details.dataset.lnSrc).then(function (html) {
      slot.innerHTML = html;
      slot.removeAttribute("aria-busy");
    }).catch(function () {
      delete details.dataset.lnLoaded;  // keep the link; let a later toggle try again
      slot.removeAttribute("aria-busy");
    });
  }

  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (details.matches && details.matches("details[data-ln-src]") && details.open) { fill(details); }
  }, true);

  document.addEventListener("click", function (event) {
    var more = event.target.closest("[data-ln-more-src]");
    if (more) {
      event.preventDefault();
      var box = more.closest("[data-ln-more]");
      more.setAttribute("aria-busy", "true");
      load(more.dataset.lnMoreSrc).then(function (html) {
        var holder = document.createElement("div");
        holder.innerHTML = html;
        box.replaceWith.apply(box, Array.prototype.slice.call(holder.childNodes));
      }).catch(function () { window.location.href = more.href; });
      return;
    }
    var opener = event.target.closest("[data-ln-open]");
    if (opener) {
      document.querySelectorAll('details[data-ln-generation="' + opener.dataset.lnOpen + '"]').forEach(function (d) { d.open = true; });
      return;
    }
    var closer = event.target.closest("[data-ln-close]");
    if (closer) {
      var generation = closer.dataset.lnClose;
      var selector = generation === "all" ? "details.ln-node" : 'details[data-ln-generation="' + generation + '"]';
      document.querySelectorAll(selector).forEach(function (d) { d.open = false; });
    }
  });

  // The generation buttons only work with this script: show them.
  document.querySelectorAll("[data-ln-levels] [hidden]").forEach(function (button) { button.hidden = false; });
})();

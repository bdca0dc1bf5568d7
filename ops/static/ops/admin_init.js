// Starts the Wagtail admin widgets described by inert JSON (see ops/admin_scripts.py), because the
// Content-Security-Policy forbids the inline scripts Wagtail would otherwise use. Widgets inserted
// later (a new inline-panel row, a modal) are started when they appear.
(function () {
  "use strict";
  var SELECTOR = 'script[type="application/json"][data-admin-init]';

  function start(node) {
    if (node.dataset.adminInitStarted) return;
    node.dataset.adminInitStarted = "1";
    var spec = node.dataset.adminInit.split(":");
    var kind = spec[0];
    var target = window[spec[1]];
    if (typeof target !== "function") {
      console.error("Admin widget initialiser not loaded: " + spec[1]);
      return;
    }
    var args = JSON.parse(node.textContent);
    if (kind === "call") {
      target.apply(window, args);
    } else {
      new (Function.prototype.bind.apply(target, [null].concat(args)))();
    }
  }

  function scan(root) {
    if (root.matches && root.matches(SELECTOR)) start(root);
    if (root.querySelectorAll) root.querySelectorAll(SELECTOR).forEach(start);
  }

  function init() {
    scan(document);
    new MutationObserver(function (mutations) {
      mutations.forEach(function (mutation) {
        mutation.addedNodes.forEach(function (node) {
          if (node.nodeType === Node.ELEMENT_NODE) scan(node);
        });
      });
    }).observe(document.documentElement, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();

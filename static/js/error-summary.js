// After a failed submit the page starts with a summary of what to correct: move the keyboard focus to it, so a
// screen reader reads it first and a keyboard user starts there. Its links move the focus to their field (a plain
// #anchor only scrolls). No inline scripts: the Content-Security-Policy forbids them.
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }
  ready(function () {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary) { return; }
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link) { return; }
      var field = document.getElementById(link.getAttribute("href").slice(1));
      if (!field) { return; }
      event.preventDefault();
      var group = field.closest("[hidden]");
      if (group) { group.hidden = false; }
      field.scrollIntoView({ block: "center" });
      field.focus();
    });
  });
})();

// Lab day: a cell's critical criterion and note are asked for only once Fail is chosen (the page marks the form
// with .lab-js so the style sheet can hide them); choosing Fail moves to the criterion. Without JavaScript every cell
// shows them, and the form works the same.
(function () {
  "use strict";

  function sync(radio, focus) {
    var details = document.getElementById(radio.dataset.failDetails);
    if (!details || !radio.checked) {
      return;
    }
    var failed = radio.value === "fail";
    details.classList.toggle("lab-fail-open", failed);
    if (failed && focus) {
      var select = details.querySelector("select");
      if (select) {
        select.focus();
      }
    }
  }

  function start() {
    var form = document.querySelector("form.lab-form");
    if (!form) {
      return;
    }
    form.classList.add("lab-js");
    form.querySelectorAll("input.lab-result").forEach(function (radio) {
      sync(radio, false);
      radio.addEventListener("change", function () {
        sync(radio, true);
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

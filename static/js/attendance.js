// Attendance: the minutes field is disabled while Absent or Excused is chosen (they record 0 minutes; the server
// records 0 for them whatever is sent, so this only saves a tap and a doubt). Choosing Present again with no minutes
// left fills in the whole session. Without JavaScript the form works the same.
(function () {
  "use strict";
  var NO_MINUTES = ["absent", "excused"];

  function sync(radio) {
    var minutes = document.getElementById(radio.dataset.minutesInput);
    if (!minutes || !radio.checked) {
      return;
    }
    var off = NO_MINUTES.indexOf(radio.value) !== -1;
    minutes.disabled = off;
    if (!off && radio.value === "present" && (minutes.value === "" || minutes.value === "0")) {
      minutes.value = minutes.max;
    }
  }

  function start() {
    var radios = document.querySelectorAll("input.attendance-status");
    radios.forEach(function (radio) {
      sync(radio);
      radio.addEventListener("change", function () {
        sync(radio);
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

// Progressive enhancement only: the parent or guardian fields are in the page for everyone, and the server decides
// from the date of birth whether they are needed (it shows the form again, with a message, when they are missing).
// With JavaScript, they are hidden while the date of birth typed shows the applicant 18 or older on the course's
// first day, and shown again as soon as it does not.
(function () {
  "use strict";
  function ageOn(born, day) {
    var age = day.getFullYear() - born.getFullYear();
    if (day.getMonth() < born.getMonth() || (day.getMonth() === born.getMonth() && day.getDate() < born.getDate())) {
      age -= 1;
    }
    return age;
  }
  function parse(value) {
    var match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value || "");
    return match ? new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : null;
  }
  document.addEventListener("DOMContentLoaded", function () {
    var group = document.querySelector("[data-guardian]");
    var birth = document.getElementById("id_date_of_birth");
    if (!group || !birth) { return; }
    var start = parse(group.getAttribute("data-course-start"));
    var minimum = Number(group.getAttribute("data-guardian-age"));
    function update() {
      if (group.querySelector(".is-invalid")) { group.hidden = false; return; }  // errors stay in view
      var born = parse(birth.value);
      group.hidden = Boolean(born && start && ageOn(born, start) >= minimum);
    }
    birth.addEventListener("input", update);
    birth.addEventListener("change", update);
    update();
  });
})();

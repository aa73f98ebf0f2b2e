// The schedule generator's "Pick a day off": adds the picked date to the days-off box (which people may also type in).
(function () {
    "use strict";

    document.addEventListener("DOMContentLoaded", function () {
        const picker = document.getElementById("day-off-picker");
        const add = document.getElementById("add-day-off");
        const box = document.getElementById("id_holidays");
        if (!picker || !add || !box) {
            return;
        }
        picker.closest(".days-off-picker").hidden = false;
        add.addEventListener("click", function () {
            if (!picker.value) {
                picker.focus();
                return;
            }
            const days = box.value.split(/[\s,;]+/).filter(Boolean);
            if (!days.includes(picker.value)) {
                days.push(picker.value);
            }
            box.value = days.join(", ");
            picker.value = "";
            picker.focus();
        });
    });
})();

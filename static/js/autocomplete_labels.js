// Names the search box of Django's autocomplete (select2) after its field's label, for screen readers: select2 draws
// the box without a label of its own. The boxes come and go as people choose, so new ones are named as they appear.
(function () {
    "use strict";

    function labelFor(box) {
        const container = box.closest(".select2-container");
        const select = container && container.previousElementSibling;
        if (!select || !select.id) {
            return "";
        }
        const label = document.querySelector('label[for="' + select.id + '"]');
        return label ? label.textContent.replace(/:\s*$/, "").trim() : "";
    }

    function nameBoxes() {
        document.querySelectorAll(".select2-search__field:not([aria-label])").forEach(function (box) {
            const name = labelFor(box);
            if (name) {
                box.setAttribute("aria-label", name);
            }
        });
    }

    document.addEventListener("DOMContentLoaded", function () {
        nameBoxes();
        new MutationObserver(nameBoxes).observe(document.body, {childList: true, subtree: true});
    });
})();

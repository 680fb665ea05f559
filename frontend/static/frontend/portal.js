// Small enhancements of the portal pages; every page works without them.
(function () {
  "use strict";

  // When a reason form unfolds (reject, suspend), put the cursor in its text box.
  document.addEventListener("shown.bs.collapse", function (event) {
    var input = event.target.querySelector("input[name=reason], textarea[name=reason]");
    if (input) {
      input.focus();
    }
  });

  // An htmx answer replaces the messages box; bring it into view so the outcome is seen.
  document.addEventListener("htmx:afterSettle", function () {
    var box = document.getElementById("messages");
    if (box && box.children.length) {
      box.scrollIntoView({ block: "nearest", behavior: "smooth" });
    }
  });
})();

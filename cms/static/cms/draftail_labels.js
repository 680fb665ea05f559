// Rich text fields in the page and snippet editors get their label as accessible name.
// Wagtail's <label for> points at the hidden input that Draftail replaces, so the editing
// surface (role="textbox") has no name (wagtail/wagtail#14205, axe aria-input-field-name):
// each surface is labelled by its field's label, or, for a StreamField block that has no
// label of its own, by its block's type ("Paragraph") as the block's header shows it;
// editors that blocks add later are labelled as they appear.
(function () {
  "use strict";

  var UNNAMED = ".public-DraftEditor-content[role=textbox]:not([aria-labelledby]):not([aria-label])";

  function label() {
    document.querySelectorAll(UNNAMED).forEach(function (surface) {
      var field = surface.closest(".w-field__input, [data-field-input]");
      var input = field && field.querySelector("input[id]");
      var text = input && document.querySelector('label[for="' + input.id + '"]');
      if (text) {
        if (!text.id) {
          text.id = input.id + "-label";
        }
        surface.setAttribute("aria-labelledby", text.id);
        return;
      }
      var block = surface.closest("[data-streamfield-child]");
      var type = block && block.querySelector(".c-sf-block__type");
      if (type && type.textContent.trim()) {
        surface.setAttribute("aria-label", type.textContent.trim());
      }
    });
  }

  function start() {
    label();
    new MutationObserver(label).observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

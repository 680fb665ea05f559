// Portfolio asset form: show only the fields of the chosen kind. Without it, every field shows.
(function () {
  "use strict";

  function update(form) {
    var select = form.querySelector("[data-portfolio-kind]");
    if (!select) {
      return;
    }
    form.querySelectorAll("[data-portfolio-kinds]").forEach(function (block) {
      var kinds = block.dataset.portfolioKinds.split(" ");
      block.hidden = kinds.indexOf(select.value) === -1;
    });
  }

  document.querySelectorAll("[data-portfolio-form]").forEach(function (form) {
    update(form);
    form.addEventListener("change", function (event) {
      if (event.target.matches("[data-portfolio-kind]")) {
        update(form);
      }
    });
  });
})();

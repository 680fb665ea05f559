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

  // A table wider than a phone scrolls inside its box: the box takes the keyboard focus, so
  // it can be scrolled without a mouse (WCAG 2.1.1), and is named after its card's heading.
  function focusableScrollers(root) {
    root.querySelectorAll(".table-responsive:not([tabindex])").forEach(function (box) {
      box.tabIndex = 0;
      if (!box.hasAttribute("role")) {
        box.setAttribute("role", "region");
      }
      if (!box.hasAttribute("aria-label") && !box.hasAttribute("aria-labelledby")) {
        var card = box.closest("section, .card");
        var heading = card && card.querySelector("h1, h2, h3, .card-header");
        if (heading && heading.textContent.trim()) {
          box.setAttribute("aria-label", heading.textContent.trim());
        }
      }
    });
  }
  focusableScrollers(document);
  document.addEventListener("htmx:afterSwap", function (event) {
    focusableScrollers(event.target);
  });

  // Deadlines: the server writes the time left; this keeps it ticking while the page is open.
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-countdown]").forEach(function (clock) {
      var left = Math.max(0, Math.floor((Date.parse(clock.dataset.countdown) - now) / 1000));
      if (left === 0) {
        clock.textContent = clock.dataset.expiredText;
        clock.removeAttribute("data-countdown");
        return;
      }
      var parts = { days: Math.floor(left / 86400), hours: Math.floor((left % 86400) / 3600), minutes: Math.floor((left % 3600) / 60) };
      Object.keys(parts).forEach(function (name) {
        var part = clock.querySelector("[data-part=" + name + "]");
        if (part) {
          part.textContent = parts[name];
        }
      });
      clock.classList.toggle("text-danger", left < 86400);
      clock.classList.toggle("fw-semibold", left < 86400);
    });
  }
  if (document.querySelector("[data-countdown]")) {
    window.setInterval(tick, 20000);
  }

  // The custody application shows the price of the ticked items and who pays what.
  function cents(text) {
    var parts = String(text).split(".");
    var fraction = ((parts[1] || "") + "00").slice(0, 2);
    return parseInt(parts[0] || "0", 10) * 100 + parseInt(fraction, 10);
  }

  // As core.formatting.money writes amounts in both languages: ¥1,200.00.
  function money(value) {
    var whole = Math.floor(value / 100);
    var fraction = String(value % 100).padStart(2, "0");
    var digits = String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return "¥" + digits + "." + fraction;
  }

  function reprice(form) {
    var total = 0;
    form.querySelectorAll("[data-price-row]").forEach(function (row) {
      var check = row.querySelector("input[type=checkbox]");
      var quota = parseInt(row.querySelector("input[type=number]").value, 10);
      if (check.checked && quota > 0) {
        total += cents(row.dataset.unitPrice) * quota;
      }
    });
    // The same split as ProgrammeYear.split_price: the share, then the co-payment cap.
    var share = parseFloat(form.dataset.share);
    var government = Math.round(total * share);
    var copay = total - government;
    if (form.dataset.copayCap !== "" && copay > cents(form.dataset.copayCap)) {
      copay = cents(form.dataset.copayCap);
      government = total - copay;
    }
    form.querySelector("[data-price-total]").textContent = money(total);
    form.querySelector("[data-price-government]").textContent = money(government);
    form.querySelector("[data-price-copay]").textContent = money(copay);
  }

  document.querySelectorAll("[data-price-form]").forEach(function (form) {
    form.addEventListener("input", function () {
      reprice(form);
    });
    form.addEventListener("change", function () {
      reprice(form);
    });
  });

  // Allocation: tick every request at once; ticking any means "only those ticked".
  document.querySelectorAll("[data-select-all-scope]").forEach(function (form) {
    var all = form.querySelector("[data-select-all]");
    var selected = form.querySelector("input[name=scope][value=selected]");
    var boxes = form.querySelectorAll("input[type=checkbox][name=" + (all ? all.dataset.selectAll : "requests") + "]");
    if (all) {
      all.addEventListener("change", function () {
        boxes.forEach(function (box) {
          box.checked = all.checked;
        });
        if (selected && all.checked) {
          selected.checked = true;
        }
      });
    }
    boxes.forEach(function (box) {
      box.addEventListener("change", function () {
        if (selected && box.checked) {
          selected.checked = true;
        }
        if (all) {
          all.checked = Array.prototype.every.call(boxes, function (other) {
            return other.checked;
          });
        }
      });
    });
  });
})();

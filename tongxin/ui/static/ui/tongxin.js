/* 同心 — the little behaviour pages need beyond htmx. Loaded as a file (no inline scripts). */
(function () {
  "use strict";

  function setupNavToggle() {
    var button = document.querySelector(".nav-toggle");
    var nav = document.getElementById("mainnav");
    if (!button || !nav) return;
    button.addEventListener("click", function () {
      var open = nav.classList.toggle("open");
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  // Buttons marked data-busy-text show it while their form submits (uploads can take a while).
  function setupBusyButtons() {
    document.addEventListener("submit", function (event) {
      var form = event.target;
      var button = form.querySelector("button[data-busy-text]");
      if (button) {
        button.disabled = true;
        button.textContent = button.getAttribute("data-busy-text");
      }
    });
  }

  // Forms marked data-autosubmit (the language switch) submit when their select changes.
  function setupAutoSubmit() {
    document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
      var button = form.querySelector("button[type=submit]");
      if (button) button.hidden = true;
      form.addEventListener("change", function () { form.submit(); });
    });
  }

  function setup() { setupNavToggle(); setupBusyButtons(); setupAutoSubmit(); }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();

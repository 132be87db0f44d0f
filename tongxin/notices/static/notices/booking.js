// The studio page: the one "事由" box is copied into the slot form that is submitted.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("book-slot")) return;
    var box = document.querySelector("[data-topic]");
    var hidden = form.querySelector("input[name='topic']");
    if (box && hidden) hidden.value = box.value;
  });
})();

// The reader's time on a study page: every 15 s while the page is visible the server is
// told the page is still open; it counts the time itself (never the browser's number).
(function () {
  "use strict";
  var el = document.getElementById("material");
  if (!el) { return; }
  var url = el.getAttribute("data-ping");
  var token = (document.cookie.match(/csrftoken=([^;]+)/) || [])[1] || "";
  function ping() {
    if (document.visibilityState !== "visible") { return; }
    fetch(url, { method: "POST", headers: { "X-CSRFToken": token }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (d) {
        var s = document.getElementById("study-state");
        if (s && d.studied) { s.textContent = gettext("已学完"); }
      })
      .catch(function () { return null; });
  }
  setInterval(ping, 15000);
})();

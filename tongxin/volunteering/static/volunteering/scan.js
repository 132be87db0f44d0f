// Scan check-in: ask the phone for its position, put it in the form, then submit.
(function () {
  "use strict";
  var form = document.getElementById("scan-form");
  if (!form) return;
  var hint = document.getElementById("scan-hint");
  var sent = false;
  form.addEventListener("submit", function (event) {
    if (sent || !navigator.geolocation) return;
    event.preventDefault();
    hint.textContent = gettext("正在获取位置……");
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        document.getElementById("scan-lat").value = pos.coords.latitude;
        document.getElementById("scan-lng").value = pos.coords.longitude;
        sent = true;
        form.submit();
      },
      function () {
        hint.textContent = gettext("无法获取位置，请在设置中允许定位后重试。");
        sent = true;
        form.submit();
      },
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 }
    );
  });
})();

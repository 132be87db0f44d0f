/* 同心 — case pages: the map point picker of the report form, the small map of a case, the
   location choice and the photo previews. Loaded as a file (no inline scripts); the map draws
   the grids' outlines on a plain background (no tiles: no network at run time). */
(function () {
  "use strict";

  var RED = "#b7282e";
  var GRID_STYLE = { color: RED, weight: 1.5, dashArray: "5 4", fillColor: RED, fillOpacity: 0.05 };

  function readJson(id) {
    var node = id && document.getElementById(id);
    if (!node) return null;
    try { return JSON.parse(node.textContent); } catch (e) { return null; }
  }

  function baseMap(el) {
    var map = L.map(el, { attributionControl: false, zoomSnap: 0.25, maxZoom: 20 });
    map.createPane("point");  // above the grid labels (see .leaflet-point-pane in cases.css)
    var data = readJson(el.getAttribute("data-grids"));
    var layer = null;
    if (data && data.features && data.features.length) {
      layer = L.geoJSON(data, {
        interactive: false,  // a click anywhere is a click on the map (choosing the point)
        style: function () { return GRID_STYLE; },
        onEachFeature: function (feature, l) {
          if (feature.properties && feature.properties.name) {
            l.bindTooltip(feature.properties.name, { permanent: true, direction: "center", className: "grid-label" });
          }
        }
      }).addTo(map);
    }
    return { map: map, layer: layer };
  }

  function pointMarker(map, lat, lng) {
    return L.circleMarker([lat, lng], {
      radius: 9, color: "#fff", weight: 3, fillColor: RED, fillOpacity: 1, pane: "point"
    }).addTo(map);
  }

  function setupPicker() {
    var el = document.getElementById("case-map");
    if (!el || typeof L === "undefined") return;
    var latInput = document.getElementById(el.getAttribute("data-lat-input"));
    var lngInput = document.getElementById(el.getAttribute("data-lng-input"));
    var readout = document.getElementById("point-readout");
    var text = document.getElementById("point-text");
    var made = baseMap(el);
    var map = made.map;
    var marker = null;

    if (made.layer) {
      map.fitBounds(made.layer.getBounds(), { padding: [8, 8] });
    } else if (el.hasAttribute("data-lat")) {
      map.setView([parseFloat(el.getAttribute("data-lat")), parseFloat(el.getAttribute("data-lng"))], 16);
    } else {
      map.setView([30.6, 114.3], 14);
    }

    function place(lat, lng, announce) {
      if (marker) { marker.setLatLng([lat, lng]); } else { marker = pointMarker(map, lat, lng); }
      latInput.value = lat.toFixed(6);
      lngInput.value = lng.toFixed(6);
      if (readout) { readout.hidden = false; text.textContent = lat.toFixed(5) + ", " + lng.toFixed(5); }
      el.classList.add("has-point");
      if (announce) document.body.dispatchEvent(new CustomEvent("case-point", { bubbles: true }));
    }

    if (latInput.value && lngInput.value) {
      place(parseFloat(latInput.value), parseFloat(lngInput.value), false);
      map.setView([parseFloat(latInput.value), parseFloat(lngInput.value)], Math.max(map.getZoom(), 16));
    }
    map.on("click", function (event) { place(event.latlng.lat, event.latlng.lng, true); });

    if (navigator.geolocation) {
      var locate = document.createElement("button");
      locate.type = "button";
      locate.className = "btn btn-light btn-small map-locate";
      locate.textContent = gettext("用我现在的位置");
      locate.addEventListener("click", function () {
        locate.disabled = true;
        navigator.geolocation.getCurrentPosition(function (pos) {
          locate.disabled = false;
          place(pos.coords.latitude, pos.coords.longitude, true);
          map.setView([pos.coords.latitude, pos.coords.longitude], 17);
        }, function () {
          locate.disabled = false;
          locate.textContent = gettext("无法获取位置，请在地图上点选");
        }, { enableHighAccuracy: true, timeout: 10000 });
      });
      el.parentNode.insertBefore(locate, el.nextSibling);
    }
    el._tongxinMap = map;
  }

  function setupWhere() {
    var radios = document.querySelectorAll("input[name='where']");
    if (!radios.length) return;
    function show() {
      var chosen = document.querySelector("input[name='where']:checked");
      var value = chosen ? chosen.value : "point";
      document.querySelectorAll(".where-panel").forEach(function (panel) {
        panel.hidden = panel.getAttribute("data-where") !== value;
      });
      var mapEl = document.getElementById("case-map");
      if (value === "point" && mapEl && mapEl._tongxinMap) mapEl._tongxinMap.invalidateSize();
    }
    radios.forEach(function (r) { r.addEventListener("change", show); });
    show();
  }

  function setupPreviews() {
    document.querySelectorAll(".photo-preview[data-input]").forEach(function (box) {
      var input = document.getElementById(box.getAttribute("data-input"));
      if (!input) return;
      input.addEventListener("change", function () {
        box.textContent = "";
        Array.prototype.slice.call(input.files || [], 0, 9).forEach(function (file) {
          if (!/^image\//.test(file.type)) return;
          var reader = new FileReader();
          reader.onload = function () {
            var img = document.createElement("img");
            img.src = reader.result;  // a data: URL (the page's policy allows data: images)
            img.alt = file.name;
            box.appendChild(img);
          };
          reader.readAsDataURL(file);
        });
        if (input.files && input.files.length > 9) {
          var warn = document.createElement("p");
          warn.className = "form-error";
          warn.textContent = gettext("最多上传 9 张照片，请重新选择。");
          box.appendChild(warn);
        }
      });
    });
  }

  function setupCaseMap() {
    var el = document.getElementById("case-map-view");
    if (!el || typeof L === "undefined") return;
    var lat = parseFloat(el.getAttribute("data-lat"));
    var lng = parseFloat(el.getAttribute("data-lng"));
    var made = baseMap(el);
    if (made.layer) made.map.fitBounds(made.layer.getBounds(), { padding: [8, 8] });
    else made.map.setView([lat, lng], 17);
    pointMarker(made.map, lat, lng);
  }

  // The suggested categories (cases/_suggest.html): a tap chooses one; the confident first
  // one is chosen for the reporter only while they have not chosen a category themselves.
  function setupSuggest() {
    var box = document.getElementById("suggest");
    var select = document.getElementById("id_category");
    if (!box || !select) return;
    var chosenByHand = select.value !== "";
    function choose(code) {
      if (!code || select.value === code) return;
      select.value = code;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }
    select.addEventListener("change", function (event) {
      if (event.isTrusted) chosenByHand = true;
    });
    box.addEventListener("click", function (event) {
      var button = event.target.closest(".suggest-pick");
      if (!button) return;
      chosenByHand = true;
      choose(button.getAttribute("data-code"));
    });
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.target !== box || chosenByHand) return;
      var first = box.querySelector(".suggest-pick[data-preselect]");
      if (first) choose(first.getAttribute("data-code"));
    });
  }

  function start() { setupPicker(); setupWhere(); setupPreviews(); setupCaseMap(); setupSuggest(); }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

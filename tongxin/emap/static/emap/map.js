/* 一张图 — the e-map. Draws the GeoJSON layers of /api/v1/geo/ on a plain background (or a
   configured base map), with panels, search, measuring, the 15-minute life circle and, for
   those who may, editing of outlines and points. Settings come from data-config (CSP: no
   inline script). */
(function () {
  "use strict";

  var root = document.getElementById("emap");
  if (!root || typeof L === "undefined") { return; }
  var cfg = JSON.parse(root.getAttribute("data-config"));
  var api = cfg.api;
  var $ = function (id) { return document.getElementById(id); };
  var panel = $("emap-panel");
  var statusEl = $("emap-status");

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  function getJSON(url, signal) {
    return fetch(url, { credentials: "same-origin", signal: signal, headers: { Accept: "application/json" } })
      .then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok) { var e = new Error(body.message || r.status); e.body = body; throw e; }
          return body;
        });
      });
  }
  function postJSON(url, data) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(data)
    }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { var e = new Error(body.message || r.status); e.body = body; throw e; }
        return body;
      });
    });
  }
  function say(text) { statusEl.textContent = text || ""; statusEl.hidden = !text; }

  // ------------------------------------------------------------------ the map
  var map = L.map("emap-map", { preferCanvas: true, zoomControl: true, attributionControl: !!cfg.tiles, minZoom: 3, maxZoom: 20 });
  var renderer = L.canvas({ padding: 0.3 });
  if (cfg.tiles) {
    L.tileLayer(cfg.tiles, { maxZoom: 19, attribution: cfg.tileAttribution || "" }).addTo(map);
  } else {
    root.classList.add("emap-plain");
  }
  L.control.scale({ imperial: false }).addTo(map);
  if (cfg.bounds) {
    map.fitBounds([[cfg.bounds[1], cfg.bounds[0]], [cfg.bounds[3], cfg.bounds[2]]], { padding: [12, 12], maxZoom: 18 });
  } else {
    map.setView([30.925, 113.915], 15);
  }
  map.createPane("areas").style.zIndex = 350;
  map.createPane("points").style.zIndex = 450;

  var GRID_COLOURS = ["#d9485f", "#2f80d1", "#2e9e5b", "#d98b1d", "#8456c9", "#1aa3a3"];
  var CASE_COLOURS = {
    reported: "#d9485f", accepted: "#e07b24", dispatched: "#d9a441", in_progress: "#2f80d1",
    escalated: "#8f1d22", suspended: "#8a8f98", resolved: "#2e9e5b", closed: "#5f6b7a",
    rejected: "#b0b5bd", merged: "#b0b5bd"
  };
  var POI_COLOURS = ["#b7282e", "#d9485f", "#2e9e5b", "#1aa3a3", "#2f80d1", "#8456c9", "#d98b1d",
    "#c2185b", "#6d4c41", "#00838f", "#ef6c00", "#7cb342", "#5e35b1", "#37474f", "#43a047", "#9e9e9e"];
  function kindColour(kinds, kind) {
    var keys = Object.keys(kinds);
    var i = keys.indexOf(kind);
    return POI_COLOURS[(i < 0 ? 0 : i) % POI_COLOURS.length];
  }

  function fillSelect(sel, options) {
    Object.keys(options).forEach(function (k) {
      var o = document.createElement("option");
      o.value = k; o.textContent = options[k];
      sel.appendChild(o);
    });
  }
  fillSelect($("emap-poi-kind"), cfg.poiKinds);
  fillSelect($("emap-fac-kind"), cfg.facilityKinds);
  fillSelect($("emap-case-state"), cfg.caseStates);
  fillSelect($("emap-case-cat"), cfg.caseCategories);
  if (!cfg.cases) {
    $("emap-cases-toggle").hidden = true;
    $("emap-case-filters").hidden = true;
  }

  function clusterIcon(count, cls) {
    var size = count < 10 ? "s" : count < 100 ? "m" : count < 1000 ? "l" : "xl";
    return L.divIcon({
      className: "emap-cluster emap-cluster-" + size + " " + (cls || ""),
      html: "<span>" + esc(count > 9999 ? Math.round(count / 1000) + "k" : count) + "</span>",
      iconSize: null
    });
  }

  // ------------------------------------------------------------------ layers
  function bboxParam() {
    var b = map.getBounds().pad(0.15);
    var f = function (x) { return x.toFixed(5); };
    return [f(Math.max(-180, b.getWest())), f(Math.max(-90, b.getSouth())),
      f(Math.min(180, b.getEast())), f(Math.min(90, b.getNorth()))].join(",");
  }

  var layers = {};
  function defineLayer(name, opts) {
    layers[name] = {
      name: name, group: L.layerGroup(), enabled: false, loaded: 0, count: 0,
      params: opts.params || function () { return {}; }, draw: opts.draw, controller: null
    };
  }

  function loadLayer(layer) {
    if (layer.controller) { layer.controller.abort(); }
    var controller = new AbortController();
    layer.controller = controller;
    var params = Object.assign({ bbox: bboxParam(), zoom: map.getZoom() }, layer.params());
    var qs = Object.keys(params).filter(function (k) { return params[k] !== "" && params[k] != null; })
      .map(function (k) { return encodeURIComponent(k) + "=" + encodeURIComponent(params[k]); }).join("&");
    root.setAttribute("data-loading-" + layer.name, "1");
    return getJSON(api + layer.name + "?" + qs, controller.signal).then(function (fc) {
      if (controller !== layer.controller) { return; }
      layer.group.clearLayers();
      layer.count = fc.features.length;
      layer.hidden = fc.hidden || "";
      layer.draw(fc, layer.group);
      layer.loaded += 1;
      root.removeAttribute("data-loading-" + layer.name);
      root.setAttribute("data-drawn-" + layer.name, String(layer.count));
      updateHints();
    }).catch(function (err) {
      if (err.name === "AbortError") { return; }
      root.removeAttribute("data-loading-" + layer.name);
      say((err.body && err.body.message) || gettext("图层加载失败"));
    });
  }

  function refresh() {
    Object.keys(layers).forEach(function (n) { if (layers[n].enabled) { loadLayer(layers[n]); } });
  }
  var timer = null;
  map.on("moveend", function () { clearTimeout(timer); timer = setTimeout(refresh, 150); });

  function setEnabled(name, on) {
    var layer = layers[name];
    if (!layer) { return; }
    layer.enabled = on;
    if (on) { layer.group.addTo(map); loadLayer(layer); }
    else { map.removeLayer(layer.group); layer.group.clearLayers(); root.removeAttribute("data-drawn-" + name); }
    updateHints();
  }

  function updateHints() {
    var notes = [];
    ["estates", "buildings"].forEach(function (n) {
      if (layers[n].enabled && layers[n].hidden === "zoom") {
        notes.push(n === "estates" ? gettext("小区需放大后显示") : gettext("楼栋需放大后显示"));
      }
    });
    // Translators: separator between two status notes of the map.
    say(notes.join(gettext("；")));
  }

  // Grids: coloured, labelled with the grid workers (A/B) and their public contact.
  defineLayer("grids", {
    draw: function (fc, group) {
      var labels = map.getZoom() >= 16;
      L.geoJSON(fc, {
        pane: "areas", renderer: renderer,
        style: function (f) {
          var c = GRID_COLOURS[f.properties.colour % GRID_COLOURS.length];
          return { color: c, weight: 2, fillColor: c, fillOpacity: 0.16 };
        },
        onEachFeature: function (f, lyr) {
          var p = f.properties;
          if (labels) {
            // Translators: separator between the grid workers on a map label (a wide space).
            var gap = gettext("　");
            var who = p.workers.map(function (w) {
              // Translators: a grid worker on the map label; rank is "A" or "B" (A角 = first, B角 = second in charge).
              return w.rank ? interpolate(gettext("%(rank)s角 %(name)s"), { rank: w.rank, name: w.name }, true) : w.role + " " + w.name;
            }).join(gap);
            var text = "<b>" + esc(p.name) + "</b>" + (who ? "<br>" + esc(who) : "");
            L.tooltip({ permanent: true, direction: "center", className: "emap-label", interactive: false })
              .setLatLng([p.label[1], p.label[0]]).setContent(text).addTo(group);
          } else {
            lyr.bindTooltip(esc(p.community + " " + p.name), { sticky: true });
          }
          lyr.on("click", function (e) { L.DomEvent.stopPropagation(e); onAreaClick(f, lyr, e); });
        }
      }).addTo(group);
    }
  });

  defineLayer("estates", {
    draw: function (fc, group) {
      L.geoJSON(fc, {
        pane: "areas", renderer: renderer,
        style: function () { return { color: "#5f6b7a", weight: 1, dashArray: "4 3", fillOpacity: 0.04, fillColor: "#5f6b7a" }; },
        onEachFeature: function (f, lyr) {
          lyr.bindTooltip(esc(f.properties.name), { sticky: true });
          lyr.on("click", function (e) { L.DomEvent.stopPropagation(e); onAreaClick(f, lyr, e); });
        }
      }).addTo(group);
    }
  });

  function pointLayer(fc, group, style, onClick, clusterCls) {
    fc.features.forEach(function (f) {
      var c = f.geometry.coordinates;
      var ll = [c[1], c[0]];
      if (f.properties.cluster) {
        L.marker(ll, { icon: clusterIcon(f.properties.count, clusterCls), pane: "points", keyboard: false })
          .on("click", function () { map.setView(ll, Math.min(map.getZoom() + 2, 19)); })
          .addTo(group);
        return;
      }
      var m = L.circleMarker(ll, Object.assign({ renderer: renderer, pane: "points" }, style(f)));
      m.feature = f;
      m.on("click", function (e) { L.DomEvent.stopPropagation(e); onClick(f, m); });
      m.addTo(group);
    });
  }

  defineLayer("buildings", {
    draw: function (fc, group) {
      pointLayer(fc, group, function (f) {
        var headed = f.properties.heads && f.properties.heads.length;
        return { radius: 5, color: "#3b4048", weight: 1, fillColor: headed ? "#d9a441" : "#ffffff", fillOpacity: 1 };
      }, onBuildingClick, "emap-cluster-building");
    }
  });

  defineLayer("pois", {
    params: function () { return { kinds: $("emap-poi-kind").value }; },
    draw: function (fc, group) {
      pointLayer(fc, group, function (f) {
        return { radius: 6, color: "#fff", weight: 1.5, fillColor: kindColour(cfg.poiKinds, f.properties.type), fillOpacity: 1 };
      }, onFeatureClick, "emap-cluster-poi");
    }
  });

  defineLayer("facilities", {
    params: function () { return { kinds: $("emap-fac-kind").value }; },
    draw: function (fc, group) {
      pointLayer(fc, group, function (f) {
        return { radius: 4, color: "#37474f", weight: 1, fillColor: kindColour(cfg.facilityKinds, f.properties.type), fillOpacity: 0.9 };
      }, onFeatureClick, "emap-cluster-facility");
    }
  });

  defineLayer("cases", {
    params: function () {
      var p = { states: $("emap-case-state").value, categories: $("emap-case-cat").value };
      if ($("emap-heat").checked) {
        var days = parseInt($("emap-heat-days").value, 10);
        var since = new Date(Date.now() - days * 86400000);
        p.heat = "true";
        p.since = since.toISOString().slice(0, 10);
      }
      return p;
    },
    draw: function (fc, group) {
      if (fc.heat) {
        fc.features.forEach(function (f) {
          var w = f.properties.weight;
          var c = f.geometry.coordinates;
          var colour = w > 0.66 ? "#b7282e" : w > 0.33 ? "#e07b24" : "#f2c94c";
          L.circleMarker([c[1], c[0]], {
            renderer: renderer, pane: "points", radius: 6 + 10 * w, stroke: false,
            fillColor: colour, fillOpacity: 0.25 + 0.5 * w, interactive: false
          }).addTo(group);
        });
        return;
      }
      pointLayer(fc, group, function (f) {
        var p = f.properties;
        return { radius: 7, color: p.overdue ? "#8f1d22" : "#fff", weight: p.overdue ? 3 : 1.5,
          fillColor: CASE_COLOURS[p.state] || "#d9485f", fillOpacity: 0.95 };
      }, onCaseClick, "emap-cluster-case");
    }
  });

  if (cfg.care) {
    defineLayer("care", {
      draw: function (fc, group) {
        fc.features.forEach(function (f) {
          var c = f.geometry.coordinates;
          var m = L.marker([c[1], c[0]], {
            pane: "points",
            icon: L.divIcon({ className: "emap-care", html: "<span>" + esc(f.properties.households) + "</span>", iconSize: null })
          });
          m.on("click", function () { showCare(f); });
          m.addTo(group);
        });
      }
    });
  }

  // ------------------------------------------------------------------ panels
  function row(label, value) {
    return "<div class=\"emap-row\"><span>" + esc(label) + "</span><b>" + esc(value) + "</b></div>";
  }
  function people(list) {
    if (!list || !list.length) { return "<p class=\"muted\">" + esc(gettext("暂无")) + "</p>"; }
    return "<ul class=\"emap-people\">" + list.map(function (p) {
      // Translators: a post and its rank ("A" or "B": A角 = first, B角 = second in charge).
      var role = p.rank ? interpolate(gettext("%(role)s（%(rank)s角）"), { role: p.role || "", rank: p.rank }, true) : (p.role || "");
      return "<li>" + esc(role) + " <b>" + esc(p.name) + "</b>" +
        (p.phone ? " <span class=\"mono\">" + esc(p.phone) + "</span>" : "") + "</li>";
    }).join("") + "</ul>";
  }
  var side = root.querySelector(".emap-side");
  function setPanel(html) {
    panel.innerHTML = html;
    if (window.innerWidth >= 860) { side.scrollTop = Math.max(0, panel.offsetTop - side.offsetTop - 8); }
    else { panel.scrollIntoView({ block: "nearest" }); }
  }

  var selected = null; // {id, kind, layer}
  function onAreaClick(f, lyr) { openPlace(f.id, lyr); }
  function onBuildingClick(f, m) { openPlace(f.id, m); }

  function openPlace(id, lyr) {
    selected = { id: id, layer: lyr };
    setPanel("<p class=\"muted\">" + esc(gettext("加载中……")) + "</p>");
    getJSON(api + "places/" + id + "/panel").then(function (p) {
      var h = "<h2>" + esc(p.name) + " <span class=\"kind kind-" + esc(p.kind) + "\">" + esc(p.kind_label) + "</span></h2>";
      h += "<p class=\"muted\">" + esc(p.full_name) + "</p>";
      if (p.numbers) {
        var n = p.numbers;
        h += "<div class=\"emap-stats\" data-panel=\"numbers\">" +
          "<div><b>" + n.households + "</b><span>" + esc(gettext("户数")) + "</span></div>" +
          "<div><b>" + n.residents + "</b><span>" + esc(gettext("居民")) + "</span></div>" +
          "<div><b>" + n.party_members + "</b><span>" + esc(gettext("党员")) + "</span></div>" +
          "<div><b>" + n.open_cases + "</b><span>" + esc(gettext("在办诉求")) + "</span></div>" +
          "<div class=\"" + (n.overdue ? "emap-bad" : "") + "\"><b>" + n.overdue + "</b><span>" + esc(gettext("超时")) + "</span></div></div>";
      }
      h += "<h3>" + esc(gettext("在岗人员")) + "</h3>" + people(p.posts);
      if (p.units) {
        h += "<h3>" + esc(gettext("单元")) + "</h3><ul class=\"emap-units\">" + p.units.map(function (u) {
          // Translators: separator between the items of a list.
          var heads = u.heads.map(function (x) { return x.name + (x.phone ? " " + x.phone : ""); }).join(gettext("、"));
          var line = heads ?
            interpolate(ngettext("%(dwellings)s 户 · 单元长 %(heads)s", "%(dwellings)s 户 · 单元长 %(heads)s", u.dwellings),
              { dwellings: u.dwellings, heads: heads }, true) :
            interpolate(ngettext("%(dwellings)s 户", "%(dwellings)s 户", u.dwellings), { dwellings: u.dwellings }, true);
          return "<li><b>" + esc(u.name) + "</b> " + esc(line) + "</li>";
        }).join("") + "</ul>";
      }
      h += "<div class=\"emap-actions\">";
      if (p.kind === "building" || p.kind === "dwelling") {
        h += "<button type=\"button\" class=\"btn\" data-act=\"circle\">" + esc(gettext("查看生活圈")) + "</button>";
      }
      if (p.editable && (p.kind === "grid" || p.kind === "estate")) {
        h += "<button type=\"button\" class=\"btn\" data-act=\"edit\">" + esc(gettext("编辑范围")) + "</button>";
      }
      if (p.editable && p.kind === "building") {
        h += "<button type=\"button\" class=\"btn\" data-act=\"move\">" + esc(gettext("移动位置")) + "</button>";
      }
      h += "<a class=\"btn btn-ghost-dark\" href=\"/places/" + p.id + "/\">" + esc(gettext("地点页面")) + "</a></div>";
      setPanel(h);
      selected.place = p;
    }).catch(function (e) { setPanel("<p class=\"errorbox\">" + esc(e.message) + "</p>"); });
  }

  function onFeatureClick(f) {
    var p = f.properties;
    var h = "<h2>" + esc(p.name) + "</h2><p><span class=\"badge badge-light\">" + esc(p.type_label) + "</span></p>";
    if (p.address) { h += row(gettext("地址"), p.address); }
    if (p.phone) { h += row(gettext("电话"), p.phone); }
    if (p.opening_hours) { h += row(gettext("开放时间"), p.opening_hours); }
    if (p.status) { h += row(gettext("状态"), p.status); }
    var c = f.geometry.coordinates;
    h += "<div class=\"emap-actions\"><button type=\"button\" class=\"btn\" data-act=\"circle-here\" data-lat=\"" + c[1] + "\" data-lng=\"" + c[0] + "\">" + esc(gettext("周边生活圈")) + "</button></div>";
    setPanel(h);
  }

  function onCaseClick(f) {
    var p = f.properties;
    setPanel("<h2>" + esc(p.ref) + "</h2>" +
      "<p><span class=\"badge\">" + esc(p.state_label) + "</span> <span class=\"badge badge-light\">" + esc(p.category_label) + "</span>" +
      (p.overdue ? " <span class=\"badge badge-care\">" + esc(gettext("已超时")) + "</span>" : "") + "</p>" +
      "<p>" + esc(p.summary) + "</p>" + row(gettext("上报时间"), p.reported) +
      "<div class=\"emap-actions\"><a class=\"btn\" href=\"" + esc(p.url) + "\">" + esc(gettext("打开诉求")) + "</a></div>");
  }

  function showCare(f) {
    var p = f.properties;
    var kinds = Object.keys(p.kinds).map(function (k) {
      // Translators: a kind of care recipient (already translated) and how many people of that kind; keep the <b> tags.
      return "<li>" + interpolate(ngettext("%(kind)s <b>%(count)s</b> 人", "%(kind)s <b>%(count)s</b> 人", p.kinds[k]),
        { kind: esc(k), count: p.kinds[k] }, true) + "</li>";
    }).join("");
    // Translators: two counts in one sentence (households and persons), so no plural forms: prefer a "label: number" wording; keep the <b> tags.
    var counts = interpolate(gettext("关爱对象 <b>%(households)s</b> 户、<b>%(persons)s</b> 人"),
      { households: p.households, persons: p.persons }, true);
    setPanel("<h2>" + esc(p.building) + "</h2><p>" + counts + "</p>" +
      "<ul class=\"emap-people\">" + kinds + "</ul><p class=\"hint\">" + esc(gettext("位置仅显示到楼栋。")) + "</p>");
  }

  panel.addEventListener("click", function (e) {
    var btn = e.target.closest("[data-act]");
    if (!btn) { return; }
    var act = btn.getAttribute("data-act");
    if (act === "circle" && selected) { lifeCircle({ place_id: selected.id }); }
    if (act === "circle-place") { lifeCircle({ place_id: btn.getAttribute("data-place") }); }
    if (act === "circle-here") { lifeCircle({ lat: btn.getAttribute("data-lat"), lng: btn.getAttribute("data-lng") }); }
    if (act === "edit" && selected) { startEdit(selected); }
    if (act === "move" && selected) { startMove(selected); }
    if (act === "save-edit") { saveEdit(); }
    if (act === "cancel-edit") { stopEdit(true); }
    if (act === "fly") { flyTo(JSON.parse(btn.getAttribute("data-hit"))); }
  });

  // ------------------------------------------------------------------ search
  var hitsEl = $("emap-hits");
  var searchMarker = null;
  function flyTo(h) {
    if (h.bbox) { map.fitBounds([[h.bbox[1], h.bbox[0]], [h.bbox[3], h.bbox[2]]]); }
    else { map.setView([h.lat, h.lng], Math.max(map.getZoom(), 17)); }
    if (searchMarker) { map.removeLayer(searchMarker); }
    searchMarker = L.circleMarker([h.lat, h.lng], { radius: 12, color: "#b7282e", weight: 3, fill: false, pane: "points" }).addTo(map);
    if (h.kind === "place") { openPlace(h.id, null); }
    if (h.kind === "person") {
      setPanel("<h2>" + esc(h.label) + "</h2><p class=\"muted\">" +
        esc(interpolate(gettext("%(detail)s（位置显示到楼栋）"), { detail: h.detail }, true)) + "</p>" +
        (h.place_id ? "<div class=\"emap-actions\"><button type=\"button\" class=\"btn\" data-act=\"circle-place\" data-place=\"" +
        h.place_id + "\">" + esc(gettext("查看住处周边生活圈")) + "</button></div>" : ""));
    }
  }
  $("emap-search").addEventListener("submit", function (e) {
    e.preventDefault();
    var q = $("emap-q").value.trim();
    if (!q) { hitsEl.hidden = true; return; }
    getJSON(api + "search?q=" + encodeURIComponent(q)).then(function (r) {
      hitsEl.innerHTML = r.items.length ? r.items.map(function (h) {
        return "<li><button type=\"button\" class=\"emap-hit\" data-kind=\"" + esc(h.kind) + "\" data-hit=\"" + esc(JSON.stringify(h)) + "\"><b>" + esc(h.label) +
          "</b> <span class=\"muted\">" + esc(h.detail) + "</span></button></li>";
      }).join("") : "<li class=\"muted\">" + esc(gettext("没有找到")) + "</li>";
      hitsEl.hidden = false;
    }).catch(function (err) { say(err.message); });
  });
  hitsEl.addEventListener("click", function (e) {
    var b = e.target.closest(".emap-hit");
    if (b) { flyTo(JSON.parse(b.getAttribute("data-hit"))); }
  });

  // ------------------------------------------------------------------ tools
  var tool = null;
  var toolLayer = L.layerGroup().addTo(map);
  var toolPoints = [];
  var toolButtons = root.querySelectorAll("[data-tool]");
  function setTool(name) {
    tool = tool === name ? null : name;
    toolPoints = [];
    toolLayer.clearLayers();
    toolButtons.forEach(function (b) { b.classList.toggle("active", b.getAttribute("data-tool") === tool); });
    root.classList.toggle("emap-picking", !!tool && tool !== "check");
    var hints = {
      distance: gettext("测距离：依次点击各点，双击结束。"),
      area: gettext("测面积：依次点击多边形各顶点，双击结束。"),
      circle: gettext("生活圈：点击地图上的一个位置。")
    };
    say(hints[tool] || "");
    if (tool === "check") { runCheck(); tool = null; }
    if (tool) { map.doubleClickZoom.disable(); } else { map.doubleClickZoom.enable(); }
  }
  toolButtons.forEach(function (b) { b.addEventListener("click", function () { setTool(b.getAttribute("data-tool")); }); });

  function metres(a, b) { return map.distance(a, b); }
  function fmtLen(m) {
    return m >= 1000 ? interpolate(gettext("%(km)s 公里"), { km: (m / 1000).toFixed(2) }, true) :
      interpolate(gettext("%(metres)s 米"), { metres: Math.round(m) }, true);
  }
  function areaM2(pts) {
    // Equirectangular projection around the centroid: good for community-sized shapes.
    var lat0 = pts.reduce(function (s, p) { return s + p.lat; }, 0) / pts.length;
    var R = 6371008.8, kx = Math.PI / 180 * R * Math.cos(lat0 * Math.PI / 180), ky = Math.PI / 180 * R;
    var s = 0;
    for (var i = 0; i < pts.length; i++) {
      var p = pts[i], q = pts[(i + 1) % pts.length];
      s += (p.lng * kx) * (q.lat * ky) - (q.lng * kx) * (p.lat * ky);
    }
    return Math.abs(s) / 2;
  }
  function fmtArea(m2) {
    return m2 >= 100000 ? interpolate(gettext("%(km2)s 平方公里"), { km2: (m2 / 1000000).toFixed(3) }, true) :
      interpolate(gettext("%(m2)s 平方米"), { m2: Math.round(m2) }, true);
  }

  // While measuring, the status line ends with a "double-click to finish" hint; the double click
  // keeps the same line without it. Both wordings are whole sentences of the catalogue.
  var measuring = null; // {pending, done}
  function sayMeasure(pending, done) { measuring = { pending: pending, done: done }; say(pending); }

  function drawMeasure() {
    toolLayer.clearLayers();
    toolPoints.forEach(function (p) { L.circleMarker(p, { radius: 3, color: "#b7282e", pane: "points" }).addTo(toolLayer); });
    if (tool === "distance" && toolPoints.length > 1) {
      L.polyline(toolPoints, { color: "#b7282e", weight: 3, pane: "points" }).addTo(toolLayer);
      var total = 0;
      for (var i = 1; i < toolPoints.length; i++) { total += metres(toolPoints[i - 1], toolPoints[i]); }
      var length = fmtLen(total);
      sayMeasure(interpolate(gettext("距离：%(length)s（双击结束）"), { length: length }, true),
        interpolate(gettext("距离：%(length)s"), { length: length }, true));
      root.setAttribute("data-measure", String(Math.round(total)));
    }
    if (tool === "area" && toolPoints.length > 2) {
      L.polygon(toolPoints, { color: "#b7282e", weight: 2, fillOpacity: 0.15, pane: "points" }).addTo(toolLayer);
      var a = areaM2(toolPoints);
      var size = fmtArea(a);
      sayMeasure(interpolate(gettext("面积：%(area)s（双击结束）"), { area: size }, true),
        interpolate(gettext("面积：%(area)s"), { area: size }, true));
      root.setAttribute("data-measure", String(Math.round(a)));
    }
  }

  map.on("click", function (e) {
    if (tool === "distance" || tool === "area") { toolPoints.push(e.latlng); drawMeasure(); }
    else if (tool === "circle") { lifeCircle({ lat: e.latlng.lat.toFixed(6), lng: e.latlng.lng.toFixed(6) }); }
  });
  map.on("dblclick", function () {
    if (tool === "distance" || tool === "area") {
      var keep = toolLayer.getLayers();
      var text = statusEl.textContent;
      if (measuring && text === measuring.pending) { text = measuring.done; }
      measuring = null;
      tool = null; toolPoints = [];
      toolButtons.forEach(function (b) { b.classList.remove("active"); });
      root.classList.remove("emap-picking");
      map.doubleClickZoom.enable();
      say(text);
      toolLayer.clearLayers();
      keep.forEach(function (l) { l.addTo(toolLayer); });
    }
  });

  function lifeCircle(where) {
    var qs = Object.keys(where).map(function (k) { return k + "=" + encodeURIComponent(where[k]); }).join("&");
    setPanel("<p class=\"muted\">" + esc(gettext("正在查找周边服务……")) + "</p>");
    getJSON(api + "life-circle?" + qs).then(function (r) {
      toolLayer.clearLayers();
      var c = [r.center.lat, r.center.lng];
      L.circle(c, { radius: r.radius_m, color: "#2e9e5b", weight: 2, fillOpacity: 0.06, pane: "areas", interactive: false }).addTo(toolLayer);
      L.circleMarker(c, { radius: 6, color: "#2e9e5b", fillColor: "#fff", fillOpacity: 1, weight: 3, pane: "points" }).addTo(toolLayer);
      var h = "<h2>" + esc(gettext("15分钟生活圈")) + "</h2><p class=\"muted\">" +
        esc(interpolate(ngettext("%(origin)s 周边 %(radius)s 米内，共 %(total)s 处服务设施",
          "%(origin)s 周边 %(radius)s 米内，共 %(total)s 处服务设施", r.total),
          { origin: r.origin || gettext("所选位置"), radius: r.radius_m, total: r.total }, true)) + "</p>";
      h += "<div class=\"emap-circle\" id=\"emap-circle\">";
      r.groups.forEach(function (g) {
        if (!g.count) { return; }
        h += "<h3>" + esc(g.label) + " <span class=\"muted\">" + g.count + "</span></h3><ul class=\"emap-poi-list\">";
        g.items.slice(0, 5).forEach(function (it) {
          h += "<li data-poi=\"" + it.id + "\"><b>" + esc(it.name) + "</b> <span class=\"muted\">" +
            esc(interpolate(ngettext("%(distance)s 米 · 步行约 %(minutes)s 分钟", "%(distance)s 米 · 步行约 %(minutes)s 分钟", it.walk_min),
              { distance: it.distance_m, minutes: it.walk_min }, true)) + "</span></li>";
          L.circleMarker([it.lat, it.lng], { radius: 5, color: "#fff", weight: 1, fillColor: kindColour(cfg.poiKinds, g.kind), fillOpacity: 1, pane: "points" })
            .bindTooltip(esc(interpolate(gettext("%(name)s %(distance)s米"), { name: it.name, distance: it.distance_m }, true))).addTo(toolLayer);
        });
        h += "</ul>";
      });
      h += "</div>";
      if (r.missing.length) {
        h += "<p class=\"hint\">" + esc(interpolate(gettext("范围内没有：%(kinds)s"), { kinds: r.missing.join(gettext("、")) }, true)) + "</p>";
      }
      setPanel(h);
      map.fitBounds(L.latLng(c).toBounds(r.radius_m * 2.1));
    }).catch(function (e) { setPanel("<p class=\"errorbox\">" + esc(e.message) + "</p>"); });
  }

  function runCheck() {
    var id = selected && selected.id;
    if (!id) { say(gettext("请先点击一个网格，再做数据检查（检查其所在社区）。")); return; }
    getJSON(api + "places/" + id + "/check").then(function (r) {
      // Translators: three counts in one sentence, so no plural forms: prefer a "label: number" wording.
      var checked = interpolate(gettext("%(grids)s 个网格、%(estates)s 个小区、%(buildings)s 栋楼。"),
        { grids: r.checked.grids, estates: r.checked.estates, buildings: r.checked.buildings }, true);
      var h = "<h2>" + esc(interpolate(gettext("数据检查：%(community)s"), { community: r.community }, true)) + "</h2><p>" + esc(checked) +
        (r.ok ? "<b>" + esc(gettext("未发现问题。")) + "</b>" : "") + "</p>";
      if (r.overlaps.length) { h += "<h3>" + esc(gettext("范围重叠")) + "</h3><ul>" + r.overlaps.map(function (p) { return "<li>" + esc(p.message) + "</li>"; }).join("") + "</ul>"; }
      if (r.buildings_outside.length) { h += "<h3>" + esc(gettext("楼栋不在所属范围内")) + "</h3><ul>" + r.buildings_outside.map(function (p) { return "<li>" + esc(p.message) + "</li>"; }).join("") + "</ul>"; }
      setPanel(h);
    }).catch(function (e) { setPanel("<p class=\"errorbox\">" + esc(e.message) + "</p>"); });
  }

  // ------------------------------------------------------------------ editing
  var editing = null;
  function editBar(text) {
    return "<div class=\"emap-edit\"><p>" + esc(text) + "</p><div class=\"emap-actions\">" +
      "<button type=\"button\" class=\"btn\" data-act=\"save-edit\">" + esc(gettext("保存")) + "</button>" +
      "<button type=\"button\" class=\"btn btn-ghost-dark\" data-act=\"cancel-edit\">" + esc(gettext("取消")) + "</button></div><div id=\"emap-edit-errors\"></div></div>";
  }
  function startEdit(sel) {
    if (!sel.layer || !sel.layer.editing) { say(gettext("编辑工具未加载")); return; }
    stopEdit(true);
    var latlngs = sel.layer.getLatLngs();
    var poly = L.polygon(latlngs, { color: "#b7282e", weight: 2, fillOpacity: 0.1, pane: "points" }).addTo(toolLayer);
    poly.editing.enable();
    editing = { id: sel.id, shape: poly, kind: "area" };
    panel.insertAdjacentHTML("beforeend", editBar(sel.place ?
      interpolate(gettext("拖动顶点修改%(place)s的范围，然后保存。"), { place: sel.place.name }, true) :
      gettext("拖动顶点修改的范围，然后保存。")));
  }
  function startMove(sel) {
    stopEdit(true);
    var ll = sel.layer ? sel.layer.getLatLng() : map.getCenter();
    var marker = L.marker(ll, { draggable: true, pane: "points" }).addTo(toolLayer);
    editing = { id: sel.id, shape: marker, kind: "point" };
    panel.insertAdjacentHTML("beforeend", editBar(gettext("拖动标记到楼栋的新位置，然后保存。")));
  }
  function stopEdit(discard) {
    if (editing) { toolLayer.removeLayer(editing.shape); editing = null; }
    var bar = panel.querySelector(".emap-edit");
    if (bar && discard) { bar.remove(); }
  }
  function saveEdit() {
    if (!editing) { return; }
    var geometry;
    if (editing.kind === "area") {
      var ring = editing.shape.getLatLngs()[0].map(function (p) { return [p.lng, p.lat]; });
      ring.push(ring[0]);
      geometry = { type: "Polygon", coordinates: [ring] };
    } else {
      var p = editing.shape.getLatLng();
      geometry = { type: "Point", coordinates: [p.lng, p.lat] };
    }
    postJSON(api + "places/" + editing.id + "/geometry", { geometry: geometry }).then(function () {
      stopEdit(true);
      say(gettext("已保存"));
      refresh();
    }).catch(function (e) {
      var details = (e.body && e.body.details) || [];
      $("emap-edit-errors").innerHTML = "<div class=\"errorbox\">" + esc(e.message) + (details.length ?
        "<ul>" + details.map(function (d) { return "<li>" + esc(d.reason) + "</li>"; }).join("") + "</ul>" : "") + "</div>";
    });
  }

  // ------------------------------------------------------------------ switches
  root.querySelectorAll("[data-layer]").forEach(function (box) {
    var name = box.getAttribute("data-layer");
    box.addEventListener("change", function () { setEnabled(name, box.checked); });
  });
  [["emap-poi-kind", "pois"], ["emap-fac-kind", "facilities"], ["emap-case-state", "cases"],
    ["emap-case-cat", "cases"], ["emap-heat", "cases"], ["emap-heat-days", "cases"]].forEach(function (pair) {
    $(pair[0]).addEventListener("change", function () { if (layers[pair[1]].enabled) { loadLayer(layers[pair[1]]); } });
  });
  root.querySelectorAll("[data-layer]").forEach(function (box) {
    if (box.checked) { setEnabled(box.getAttribute("data-layer"), true); }
  });
  root.setAttribute("data-ready", "1");
}());

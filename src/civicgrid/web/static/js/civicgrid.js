/* civicgrid page behaviour: charts (vega-embed), maps (Leaflet), large-text toggle.
   No inline scripts anywhere: specs and map settings come from data attributes and
   <script type="application/json"> blocks, so the Content-Security-Policy can forbid inline code. */
(function () {
  "use strict";
  window.civicgrid = window.civicgrid || { charts: {}, maps: {} };

  function renderCharts(root) {
    if (typeof vegaEmbed === "undefined") return;
    root.querySelectorAll(".chart[data-spec-id]:not([data-rendered])").forEach(function (el) {
      var specEl = document.getElementById(el.dataset.specId);
      if (!specEl) return;
      el.dataset.rendered = "1";
      var spec = JSON.parse(specEl.textContent);
      vegaEmbed(el, spec, { actions: false, renderer: "svg" }).then(function (res) {
        window.civicgrid.charts[el.id] = res.view;
        el.dataset.rendered = "done";
      }).catch(function (err) {
        el.textContent = "This chart could not be drawn: " + err;
        el.dataset.rendered = "error";
      });
    });
  }

  function popupHtml(p) {
    var div = document.createElement("div");
    var a = document.createElement(p.url ? "a" : "strong");
    if (p.url) a.href = p.url;
    a.textContent = p.label || p.id || "";
    div.appendChild(a);
    if (p.summary) {
      var s = document.createElement("div");
      s.textContent = p.summary;
      div.appendChild(s);
    }
    return div;
  }

  function renderMaps(root) {
    if (typeof L === "undefined") return;
    root.querySelectorAll(".map[data-geojson], .map[data-geojson-id]").forEach(function (el) {
      if (!el.dataset.rendered) drawMap(el);
    });
  }

  function loadGeojson(el) {
    if (el.dataset.geojsonId) {
      return Promise.resolve(JSON.parse(document.getElementById(el.dataset.geojsonId).textContent));
    }
    return fetch(el.dataset.geojson, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    });
  }

  function drawMap(el) {
    el.dataset.rendered = "1";
    var map = L.map(el, { preferCanvas: false, keyboard: true });
    var tiles = el.dataset.tileUrl;
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 19, attribution: el.dataset.tileAttribution || "" }).addTo(map);
    }
    var state = { map: map, markers: 0 };
    window.civicgrid.maps[el.id] = state;
    loadGeojson(el).then(function (gj) {
      var n = (gj.features || []).length;
      // thousands of points: one canvas instead of thousands of SVG nodes (no point cap either way)
      var renderer = n > 3000 ? L.canvas({ padding: 0.5 }) : L.svg();
      var layer = L.geoJSON(gj, {
        pointToLayer: function (f, latlng) {
          var p = f.properties || {};
          return L.circleMarker(latlng, { renderer: renderer, radius: p.radius || 7, weight: 1, color: "#0b0c0c",
                                          fillColor: p.color || "#d7191c", fillOpacity: 0.8 });
        },
        onEachFeature: function (f, lyr) { lyr.bindPopup(popupHtml(f.properties || {})); }
      }).addTo(map);
      state.markers = n;
      el.dataset.markers = String(n);
      if (n > 1) map.fitBounds(layer.getBounds(), { padding: [20, 20], maxZoom: 17 });
      else if (n === 1) map.setView(layer.getBounds().getCenter(), 16);
      else map.setView([0, 0], 2);
      var status = document.getElementById(el.id + "-status");
      if (status) status.textContent = n.toLocaleString() + (n === 1 ? " point" : " points") + " on the map" +
        (tiles ? "" : " (blank background: no map tiles configured)") + ".";
    }).catch(function (err) {
      el.textContent = "The map could not be loaded: " + err;
    });
  }

  function textSize() {
    var btn = document.getElementById("text-size");
    if (!btn) return;
    var on = localStorage.getItem("civicgrid-large") === "1";
    document.documentElement.classList.toggle("large", on);
    btn.setAttribute("aria-pressed", on ? "true" : "false");
    btn.addEventListener("click", function () {
      on = !on;
      localStorage.setItem("civicgrid-large", on ? "1" : "0");
      document.documentElement.classList.toggle("large", on);
      btn.setAttribute("aria-pressed", on ? "true" : "false");
      Object.values(window.civicgrid.charts).forEach(function (v) { v.resize().runAsync(); });
    });
  }

  function init(root) { renderCharts(root); renderMaps(root); }
  document.addEventListener("DOMContentLoaded", function () { textSize(); init(document); });
  document.addEventListener("htmx:afterSwap", function (e) { init(e.target); });
})();

// The live meter of a running vote: polls the result every few seconds and moves the
// figures and the bars (participation towards the threshold, on heads and on area).
(() => {
  const meter = document.getElementById("meter");
  if (!meter || !meter.dataset.live) return;
  const set = (data) => {
    meter.querySelectorAll("[data-k]").forEach((el) => {
      const k = el.dataset.k;
      if (k in data) el.textContent = data[k];
    });
    const pct = (a, b) => (Number(b) > 0 ? Math.min(100, (100 * Number(a)) / Number(b)) : 0);
    const heads = meter.querySelector('[data-bar="heads"]');
    if (heads) heads.style.width = pct(data.participating_heads, data.eligible_heads) + "%";
    const area = meter.querySelector('[data-bar="area"]');
    if (area) area.style.width = pct(data.participating_area, data.eligible_area) + "%";
    meter.dataset.participating = data.participating_heads;
  };
  const poll = () =>
    fetch(meter.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : null))
      .then((data) => {
        if (data) set(data);
        if (data && !data.final) setTimeout(poll, 3000);
      })
      .catch(() => setTimeout(poll, 10000));
  poll();
})();

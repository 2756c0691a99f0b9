// Quire: tell the server this browser's time zone once (the member can change it later).
(function () {
  var script = document.currentScript;
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  if (!zone || !window.fetch) return;
  fetch(script.dataset.url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "X-CSRFToken": script.dataset.csrf, "X-Requested-With": "quire-time-zone" },
    body: new URLSearchParams({ time_zone: zone })
  });
})();

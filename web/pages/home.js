// The landing page: fills in the health line and the widget snippet for this server.
const health = document.getElementById("health");
fetch("/healthz", { headers: { Accept: "application/json" } })
  .then((response) => response.json())
  .then((body) => {
    health.textContent = `${body.status}: database ${body.database}, rules ${String(body.rules_version).slice(0, 12)}, rate limits ${body.rate_limits}`;
    health.dataset.status = body.status;
  })
  .catch(() => {
    health.textContent = "no answer";
    health.dataset.status = "degraded";
  });
document.getElementById("snippet").textContent =
  `<script src="${location.origin}/widget.js" data-article-id="budget-2026" async></script>`;

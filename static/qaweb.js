// qaweb's own script: GOV.UK Frontend's components on the page and on every htmx swap.
// Served as a file (never inline) so the Content-Security-Policy needs no 'unsafe-inline'.
import { initAll } from "./govuk/govuk-frontend.min.js";

// GOV.UK Frontend's template does this with an inline script, which the CSP refuses; a
// module script only runs where modules are supported, so both classes apply. initAll()
// needs "govuk-frontend-supported" on <body> first.
document.body.classList.add("js-enabled", "govuk-frontend-supported");

initAll();

// Buttons that print the page (a button, not an inline onclick: the CSP allows none).
// Without JavaScript they stay hidden; the browser's own Print still works.
for (const button of document.querySelectorAll("[data-qaweb-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}

document.addEventListener("DOMContentLoaded", () => {
  if (window.htmx) {
    htmx.onLoad((el) => {
      if (el !== document.body) initAll({ scope: el });
    });
  }
});

// -- htmx configuration (history restore, indicators) -----------------------------------

// -- Unsaved changes: warn before leaving a page with typed text not yet saved ----------

// -- Focus after htmx swaps ------------------------------------------------------------

// -- Submit buttons: disabled while their request is in flight (no double submits) -----

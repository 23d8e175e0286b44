// qaweb's own script: GOV.UK Frontend's components on the page and on every htmx swap.
// Served as a file (never inline) so the Content-Security-Policy needs no 'unsafe-inline'.
import { initAll } from "./govuk/govuk-frontend.min.js";

initAll();

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

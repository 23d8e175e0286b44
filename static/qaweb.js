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
// A form that saves is sent once. Plain posts: the first submit goes, later ones are ignored
// until the page changes, and the buttons are disabled once the browser has read the form
// (so the pressed button's value is still sent). htmx requests that save: the form's
// buttons (or the bare button) are disabled from htmx:beforeRequest to htmx:afterRequest.
// The server refuses a repeat anyway (the one-time form key); this spares the wait.
(() => {
  const inFlight = new WeakSet();
  const SUBMITS = 'button:not([type]), button[type="submit"], input[type="submit"]';
  const HTMX_VERBS = ["post", "put", "patch", "delete", "get"]
    .flatMap((verb) => [`[hx-${verb}]`, `[data-hx-${verb}]`])
    .join(",");

  const buttonsOf = (el) =>
    el instanceof HTMLFormElement
      ? [...el.querySelectorAll(SUBMITS)]
      : el.matches("button, input[type=submit]")
        ? [el]
        : [];

  const hold = (el) => {
    inFlight.add(el);
    for (const button of buttonsOf(el)) {
      button.disabled = true;
      button.setAttribute("aria-disabled", "true");
    }
  };

  const release = (el) => {
    inFlight.delete(el);
    for (const button of buttonsOf(el)) {
      button.disabled = false;
      button.removeAttribute("aria-disabled");
    }
  };

  const htmxDriven = (form) =>
    Boolean(window.htmx) &&
    (form.matches(HTMX_VERBS) || Boolean(form.closest('[hx-boost="true"], [data-hx-boost="true"]')));

  // Capture phase: runs before htmx's own listener on the form, so a repeat never reaches it.
  document.addEventListener(
    "submit",
    (event) => {
      const form = event.target;
      if (!(form instanceof HTMLFormElement)) return;
      if (inFlight.has(form)) {
        event.preventDefault();
        event.stopImmediatePropagation();
        return;
      }
      if ((form.getAttribute("method") || "get").toLowerCase() !== "post" || htmxDriven(form)) {
        return; // searches and filters stay free; htmx requests are held below
      }
      inFlight.add(form);
      // After this event the browser has built the form's data; then the buttons can go.
      setTimeout(() => hold(form), 0);
      // A post that answers with a download leaves the page where it is: free it again.
      setTimeout(() => release(form), 20000);
    },
    true,
  );

  // Back to a page kept in the browser's cache: its forms can be sent again.
  window.addEventListener("pageshow", (event) => {
    if (!event.persisted) return;
    for (const form of document.forms) release(form);
  });

  const heldFor = (event) => {
    const elt = event.detail && event.detail.elt;
    const verb = event.detail && event.detail.requestConfig && event.detail.requestConfig.verb;
    if (!(elt instanceof Element) || !verb || verb.toLowerCase() === "get") return null;
    const trigger = event.detail.requestConfig.triggeringEvent;
    if (elt instanceof HTMLFormElement) return trigger && trigger.type === "submit" ? elt : null;
    // A bare button that saves; not a form's check as the person types (clashes, say).
    return elt.matches(SUBMITS) || elt.matches("button") ? elt : null;
  };
  document.addEventListener("htmx:beforeRequest", (event) => {
    const el = heldFor(event);
    if (el) hold(el);
  });
  document.addEventListener("htmx:afterRequest", (event) => {
    const el = heldFor(event);
    if (el) release(el);
  });
})();

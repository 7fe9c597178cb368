// Live screens: follows the cycle of a page that opts in with data-live-cycle="<id>" (and
// data-live-stream / data-live-state: the URLs of its event stream and of its state to poll).
//
// On every change of the cycle, pushed by the server (server-sent events) or, while the push
// channel is down, found by polling, it
//   * dispatches document "sop:cycle-changed" with detail {cycle, kind, families?}, kind one of
//     "lines", "analysis", "stage", "submission", "register" (grids refresh their own cells);
//   * re-fetches the page's [data-live-region] elements (each with an id) that the change
//     concerns: data-live-region="analysis stage" lists the kinds a region shows (empty: all);
//     with the region's own hx-get URL if it has one, else its data-live-url (the page's own
//     address: a page shown after a refused POST has the POST's), else the page itself, taking
//     the element of the same id. A region holding the focus, a field whose value the user
//     changed, or a refused form's errors are left alone until the user is done with them:
//     nothing typed is ever replaced.
// One request per page address fetches all of its regions that changed; each region replaced
// dispatches document "sop:region-refreshed" with detail {region} (charts redraw in it), and
// after each round of refreshes document "sop:live-refreshed". The mode is on
// <html data-live="push|poll|off"> ("off": the cycle answers 404, e.g. after signing out, or
// the server ended the stream with a "revoked" event: the user may no longer see the cycle).
(function () {
  "use strict";
  const POLL_MS = 5000; // while push is down
  const RETRY_PUSH_MS = 15000; // how often a polling page tries push again
  // A stream that ends (they are re-opened every few minutes) is re-opened by the browser
  // within a second; poll only if that takes longer. The state sent on re-opening tells what
  // changed meanwhile.
  const REOPEN_GRACE_MS = 3000;
  const SETTLE_MS = 150; // changes this close together cost one refresh
  const KINDS = ["lines", "analysis", "stage", "submission", "register"];

  function start(root) {
    const cycle = Number(root.dataset.liveCycle);
    const streamUrl = root.dataset.liveStream;
    const stateUrl = root.dataset.liveState;
    let source = null;
    let pollTimer = null;
    let retryTimer = null;
    let graceTimer = null;
    let lastState = null;
    let refreshTimer = null;
    let refreshing = false;
    const due = new Set(); // kinds changed since the last refresh
    const waiting = new Set(); // regions skipped because the user is working in them

    function setMode(mode) {
      document.documentElement.dataset.live = mode;
    }

    function announce(detail) {
      document.dispatchEvent(new CustomEvent("sop:cycle-changed", { detail: detail }));
      due.add(detail.kind);
      scheduleRefresh();
    }

    function concerns(region, kinds) {
      const wanted = (region.dataset.liveRegion || "").split(/\s+/).filter(Boolean);
      return waiting.has(region.id) || !wanted.length || wanted.some((kind) => kinds.has(kind));
    }

    // What changed between two states (a reconnect, or a poll). An audit row that moved
    // without lines or stage means a submission or a register changed; say both.
    function compare(state) {
      const before = lastState;
      lastState = state;
      if (!before) return;
      const kinds = [];
      if (state.lines !== before.lines) kinds.push("lines");
      if (state.analysis !== before.analysis) kinds.push("analysis");
      if (state.stage !== before.stage) kinds.push("stage");
      if (state.audit !== before.audit && kinds.indexOf("lines") < 0 && kinds.indexOf("stage") < 0) {
        kinds.push("submission", "register");
      }
      kinds.forEach((kind) => announce({ cycle: cycle, kind: kind }));
    }

    // --- push -----------------------------------------------------------------------------
    function connect() {
      clearTimeout(retryTimer);
      if (source) source.close();
      source = new EventSource(streamUrl);
      source.addEventListener("open", () => {
        clearTimeout(graceTimer);
        setMode("push");
        stopPolling();
      });
      source.addEventListener("state", (event) => compare(JSON.parse(event.data)));
      source.addEventListener("cycle", (event) => {
        const detail = JSON.parse(event.data);
        if (KINDS.indexOf(detail.kind) >= 0) announce(detail);
      });
      // Access is gone (a guest withdrawn, signed out): the stream ends for good.
      source.addEventListener("revoked", () => stop());
      source.addEventListener("error", () => {
        // CONNECTING: the browser reconnects by itself; CLOSED (204: push is not configured,
        // 503: Redis is down): we poll, and try push again now and then.
        clearTimeout(graceTimer);
        if (source.readyState === EventSource.CLOSED) {
          retryTimer = setTimeout(connect, RETRY_PUSH_MS);
          startPolling();
        } else {
          graceTimer = setTimeout(startPolling, REOPEN_GRACE_MS);
        }
      });
    }

    // --- polling --------------------------------------------------------------------------
    // Signed out, or no longer allowed to see the cycle: stop following it.
    function stop() {
      stopPolling();
      clearTimeout(retryTimer);
      clearTimeout(graceTimer);
      if (source) source.close();
      setMode("off");
    }

    function poll() {
      fetch(stateUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then((response) => {
          if (response.status === 403 || response.status === 404) stop();
          return response.ok ? response.json() : null;
        })
        .then((state) => { if (state) compare(state); })
        .catch(() => {});
    }

    function startPolling() {
      if (pollTimer !== null) return;
      setMode("poll");
      poll();
      pollTimer = setInterval(poll, POLL_MS);
    }

    function stopPolling() {
      if (pollTimer === null) return;
      clearInterval(pollTimer);
      pollTimer = null;
    }

    // --- regions --------------------------------------------------------------------------
    function busy(region) {
      if (region.contains(document.activeElement) && document.activeElement !== document.body) {
        return true;
      }
      // A refused form shows what was typed with its errors: the next submit replaces it.
      if (region.querySelector("form .errorlist")) return true;
      return Array.from(region.querySelectorAll("input, textarea, select")).some((field) => {
        if (field.type === "hidden") return false;
        if (field.type === "checkbox" || field.type === "radio") {
          return field.checked !== field.defaultChecked;
        }
        if (field instanceof HTMLSelectElement) {
          return Array.from(field.options).some((option) => option.selected !== option.defaultSelected);
        }
        return field.value !== field.defaultValue;
      });
    }

    function scheduleRefresh() {
      clearTimeout(refreshTimer);
      refreshTimer = setTimeout(refresh, SETTLE_MS);
    }

    function refresh() {
      if (refreshing || !window.htmx) return; // the running refresh calls again when done
      const kinds = new Set(due);
      due.clear();
      const regions = Array.from(document.querySelectorAll("[data-live-region][id]"))
        .filter((region) => concerns(region, kinds));
      refreshing = true;
      const swaps = [];
      const pages = new Map(); // address -> the regions taken from that page
      regions.forEach((region) => {
        if (busy(region)) {
          waiting.add(region.id);
          return;
        }
        waiting.delete(region.id);
        const own = region.getAttribute("hx-get");
        if (own) {
          // Each such region is its own request's source: htmx queues the requests of one
          // source (the body, when none is named) and drops all but the last of them.
          swaps.push(window.htmx.ajax("GET", own, {
            source: "#" + region.id, target: "#" + region.id, swap: "outerHTML",
          }).catch(() => {}));
          return;
        }
        const address = region.dataset.liveUrl || window.location.href;
        if (!pages.has(address)) pages.set(address, []);
        pages.get(address).push(region);
      });
      // One request per page, however many of its regions changed.
      pages.forEach((list, address) => swaps.push(replaceFromPage(address, list)));
      Promise.all(swaps).then(() => {
        refreshing = false;
        document.dispatchEvent(new CustomEvent("sop:live-refreshed", { detail: { cycle: cycle } }));
        if (due.size) refresh();
      });
    }

    function replaceFromPage(address, regions) {
      return fetch(address, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then((response) => (response.ok ? response.text() : null))
        .then((html) => {
          if (html === null) return;
          const fresh = new DOMParser().parseFromString(html, "text/html");
          regions.forEach((region) => {
            const replacement = fresh.getElementById(region.id);
            if (!replacement || !region.isConnected) return;
            if (busy(region)) {
              waiting.add(region.id); // the user started typing while the page was fetched
              return;
            }
            const adopted = document.importNode(replacement, true);
            region.replaceWith(adopted);
            window.htmx.process(adopted);
            document.dispatchEvent(new CustomEvent("sop:region-refreshed", { detail: { region: adopted } }));
          });
        })
        .catch(() => {});
    }

    // A region left alone while the user worked in it catches up once they leave it.
    document.addEventListener("focusout", () => {
      setTimeout(() => {
        const ready = Array.from(waiting).some((id) => {
          const region = document.getElementById(id);
          return region && !busy(region);
        });
        if (ready) {
          due.add("focus");
          scheduleRefresh();
        }
      }, 0);
    });

    if (streamUrl && window.EventSource) {
      connect();
    } else {
      startPolling();
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const root = document.querySelector("[data-live-cycle]");
    if (root) start(root);
  });
})();

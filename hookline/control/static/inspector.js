// hookline inspector: polls the JSON control endpoints and renders events and deliveries.
// Every value from the server is put into the page with textContent or attributes, never
// as HTML. The browser sends the page's Basic-auth credentials with these same-origin
// requests.
"use strict";

(function () {
  const POLL_MS = 1000;
  const LIMIT = 200;
  const TARGETS = {
    pre: "pre-event webhook (its answer allowed or rejected the action)",
    config: "account webhook configuration",
    webhook: "conversation-scoped webhook",
    trigger: "conversation-scoped webhook (trigger)",
    studio: "Studio flow",
    flex: "Flex",
    sink: "Event Streams sink",
  };
  const HINTS = {
    deliveries: "Select a delivery to see the signed request and every attempt.",
    events: "Select an event to see its parameters and the deliveries it made.",
    endpoints: "Each receiver URL with requests out: how many, and the slots it has.",
  };
  const BODY_EXCERPT = 300;
  const state = {
    tab: "deliveries",
    deliveries: [],
    events: [],
    endpoints: { worker: "here", endpoints: [] },
    eventTypes: new Set(),
    selected: null, // {kind: "delivery" | "event", sid}
    detailKey: "",
    notice: "",
    timer: null,
  };

  // --- small DOM helpers ---------------------------------------------------------------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "text") node.textContent = String(value);
      else node.setAttribute(name, String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  const $ = (id) => document.getElementById(id);

  function show(container, ...children) {
    container.replaceChildren(...children.filter((child) => child !== null && child !== undefined));
  }

  function time(value) {
    if (value === null || value === undefined || value === "") return "—";
    const date = typeof value === "number" ? new Date(value * 1000) : new Date(value);
    if (Number.isNaN(date.getTime())) return String(value);
    const pad = (n, w = 2) => String(n).padStart(w, "0");
    // UTC, as the detail's ISO times and the server's own timestamps.
    return `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:` +
      `${pad(date.getUTCSeconds())}.${pad(date.getUTCMilliseconds(), 3)}`;
  }

  function fullTime(value) {
    if (value === null || value === undefined || value === "") return "—";
    const date = typeof value === "number" ? new Date(value * 1000) : new Date(value);
    return Number.isNaN(date.getTime()) ? String(value) : date.toISOString();
  }

  function latency(ms) {
    if (ms === null || ms === undefined) return "—";
    return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
  }

  function badge(status, httpStatus) {
    const label = httpStatus ? `${status} · ${httpStatus}` : status;
    return el("span", { class: `badge status-${status}`, text: label });
  }

  function keyValueTable(entries, highlight) {
    const body = el("tbody");
    for (const [name, value] of entries) {
      const marked = highlight && highlight.includes(name.toLowerCase());
      body.append(
        el("tr", { class: marked ? "signed" : null },
          el("th", { text: name }), el("td", {}, el("code", { text: value })))
      );
    }
    return el("table", { class: "kv" }, body);
  }

  // --- server access ---------------------------------------------------------------------

  async function api(path, options) {
    const response = await fetch(path, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      ...(options || {}),
    });
    const text = await response.text();
    const body = text ? JSON.parse(text) : {};
    if (!response.ok) {
      throw new Error(`${response.status}: ${body.message || response.statusText}`);
    }
    return body;
  }

  function query(params) {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(params)) if (value) search.set(name, value);
    return search.toString();
  }

  function filters() {
    return { EventType: $("filter-event-type").value, Status: $("filter-status").value };
  }

  async function loadDeliveries() {
    const f = filters();
    // The status filter is the deliveries tab's; the events tab counts every delivery.
    const status = state.tab === "deliveries" ? f.Status : "";
    const qs = query({ Order: "desc", Limit: LIMIT, EventType: f.EventType, Status: status });
    const body = await api(`/_hookline/deliveries?${qs}`);
    state.deliveries = body.deliveries;
  }

  async function loadEvents() {
    const qs = query({ Order: "desc", Limit: LIMIT, EventType: filters().EventType });
    const body = await api(`/_hookline/events?${qs}`);
    state.events = body.events;
  }

  async function loadEndpoints() {
    if (state.tab !== "endpoints") return;
    state.endpoints = await api("/_hookline/endpoints");
  }

  async function loadDetail() {
    const selected = state.selected;
    if (!selected || selected.kind !== "delivery") return null;
    return api(`/_hookline/deliveries/${encodeURIComponent(selected.sid)}`);
  }

  // --- rendering: lists ------------------------------------------------------------------

  function reconcile(tbody, items, keyName, build, fill) {
    const existing = new Map();
    for (const row of tbody.children) existing.set(row.getAttribute(keyName), row);
    const first = tbody.children.length === 0;
    let previous = null;
    for (const item of items) {
      let row = existing.get(item.sid);
      if (row) existing.delete(item.sid);
      else {
        row = build(item);
        if (!first) row.classList.add("fresh");
      }
      fill(row, item);
      const anchor = previous ? previous.nextSibling : tbody.firstChild;
      if (row !== anchor) tbody.insertBefore(row, anchor);
      previous = row;
    }
    for (const row of existing.values()) row.remove();
  }

  function setCells(row, values) {
    values.forEach((value, index) => {
      const cell = row.children[index];
      cell.replaceChildren(value instanceof Node ? value : document.createTextNode(value));
    });
  }

  function renderDeliveries() {
    const tbody = $("deliveries");
    reconcile(
      tbody,
      state.deliveries,
      "data-delivery-sid",
      (item) => {
        const row = el("tr", { "data-delivery-sid": item.sid, tabindex: "0" },
          el("td", { class: "time" }), el("td", { class: "target" }),
          el("td"), el("td", { class: "num" }), el("td", { class: "num" }));
        row.addEventListener("click", () => select("delivery", item.sid));
        row.addEventListener("keydown", (e) => { if (e.key === "Enter") select("delivery", item.sid); });
        return row;
      },
      (row, item) => {
        row.dataset.status = item.status;
        row.dataset.attempts = String(item.attempts);
        row.classList.toggle("selected", isSelected("delivery", item.sid));
        const url = item.url
          ? el("div", { class: "url", title: item.url },
            el("span", { class: "method", text: item.method }), " ", item.url)
          : el("div", { class: "url muted", text: `(${item.target}: no URL)` });
        const target = el("div", {}, el("div", { class: "type", text: item.event_type }), url);
        setCells(row, [
          time(item.created_at), target, badge(item.status, item.last_status),
          String(item.attempts), latency(item.latency_ms),
        ]);
      }
    );
    $("deliveries-empty").hidden = state.deliveries.length > 0;
  }

  function renderEvents() {
    const perEvent = new Map();
    for (const delivery of state.deliveries) {
      perEvent.set(delivery.event_sid, (perEvent.get(delivery.event_sid) || 0) + 1);
    }
    reconcile(
      $("events"),
      state.events,
      "data-event-sid",
      (item) => {
        const row = el("tr", { "data-event-sid": item.sid, tabindex: "0" },
          el("td", { class: "time" }), el("td", { class: "type" }), el("td"),
          el("td", { class: "conversation mono" }), el("td", { class: "num" }));
        row.addEventListener("click", () => select("event", item.sid));
        return row;
      },
      (row, item) => {
        row.classList.toggle("selected", isSelected("event", item.sid));
        row.children[3].title = item.conversation_sid || "";
        setCells(row, [
          time(item.date_created), item.event_type, item.source, item.conversation_sid || "—",
          String(perEvent.get(item.sid) || 0),
        ]);
      }
    );
    $("events-empty").hidden = state.events.length > 0;
  }

  function renderEventTypeOptions() {
    for (const item of state.deliveries) state.eventTypes.add(item.event_type);
    for (const item of state.events) state.eventTypes.add(item.event_type);
    const select = $("filter-event-type");
    const known = new Set(Array.from(select.options).map((o) => o.value));
    for (const type of Array.from(state.eventTypes).sort()) {
      if (known.has(type)) continue;
      const option = el("option", { value: type, text: type });
      const after = Array.from(select.options).slice(1).find((o) => o.value > type);
      select.insertBefore(option, after || null);
    }
  }

  function renderCount() {
    const n = state.tab === "deliveries" ? state.deliveries.length : state.events.length;
    const [one, many] = state.tab === "deliveries" ? ["delivery", "deliveries"] : ["event", "events"];
    const noun = n === 1 ? one : many;
    $("count").textContent = n >= LIMIT ? `latest ${LIMIT} ${many}` : `${n} ${noun}`;
  }

  // --- rendering: detail -----------------------------------------------------------------

  function isSelected(kind, sid) {
    return Boolean(state.selected && state.selected.kind === kind && state.selected.sid === sid);
  }

  function select(kind, sid) {
    state.selected = { kind, sid };
    state.detailKey = "";
    state.notice = "";
    for (const row of document.querySelectorAll("tr.selected")) row.classList.remove("selected");
    const attr = kind === "delivery" ? "data-delivery-sid" : "data-event-sid";
    const row = document.querySelector(`tr[${attr}="${CSS.escape(sid)}"]`);
    if (row) row.classList.add("selected");
    if (kind === "event") renderEventDetail();
    else {
      $("detail").replaceChildren(el("p", { class: "hint", text: "Loading…" }));
      refresh();
    }
  }

  function renderDeliveryDetail(delivery) {
    const key = JSON.stringify(delivery) + state.notice;
    if (key === state.detailKey) return;
    state.detailKey = key;
    const attempts = delivery.attempt_log || [];
    const last = attempts[attempts.length - 1];
    const pre = delivery.target === "pre";
    // A pre-event call gated its action when it was answered: sending it again could
    // change nothing (the server refuses it too), so it has no Replay.
    let replay = null;
    if (!pre) {
      replay = el("button", { type: "button", class: "replay", "data-action": "replay",
        disabled: !delivery.url });
      replay.textContent = "Replay";
      replay.addEventListener("click", () => resend(delivery.sid, replay));
    }

    const head = el("div", { class: "detail-head" },
      el("div", {}, el("h2", { text: delivery.event_type }),
        el("code", { class: "sid", text: delivery.sid })),
      el("div", { class: "actions" }, badge(delivery.status, delivery.last_status), replay));

    const meta = keyValueTable([
      ["Target", (TARGETS[delivery.target] || delivery.target) +
        (delivery.webhook_sid ? ` ${delivery.webhook_sid}` : "")],
      ["Event", delivery.event_sid],
      ["Conversation", delivery.conversation_sid || "—"],
      ["Created", fullTime(delivery.created_at)],
      ["Next attempt", delivery.next_attempt_at ? fullTime(delivery.next_attempt_at) : "—"],
      outcomeEntry(delivery, last),
    ]);

    const request = last ? last.request : null;
    const headers = request
      ? Object.entries(request.headers)
      : [["I-Twilio-Idempotency-Token", delivery.idempotency_token]];
    const requestSection = el("section", { class: "request" },
      el("h3", { text: "Signed request" }),
      el("div", { class: "request-line" },
        el("span", { class: "method", text: request ? request.method : delivery.method }),
        el("code", { text: request ? request.url : (delivery.url || "(no URL)") })),
      el("h4", { text: "Headers" }),
      request ? null : el("p", { class: "hint",
        text: "Not sent yet: X-Twilio-Signature is computed when the request is sent." }),
      keyValueTable(headers, ["x-twilio-signature", "i-twilio-idempotency-token"]),
      ...(delivery.target === "sink"
        ? [el("h4", { text: "Body (CloudEvents, JSON)" }),
          el("pre", { class: "body", "data-body": "cloudevents", text: sinkBody(request, delivery) })]
        : [el("h4", { text: "Parameters" }),
          keyValueTable(request ? sentParameters(request) :
            Object.entries(delivery.params || {}).map(([k, v]) => [k, String(v)]))]));

    const attemptList = el("div", { class: "attempts" });
    for (const attempt of attempts.slice().reverse()) {
      attemptList.append(renderAttempt(attempt, pre));
    }
    if (!attempts.length) attemptList.append(el("p", { class: "hint", text: "No attempts yet." }));

    const preNote = pre ? el("p", { class: "notice", "data-pre-event": "",
      text: delivery.status === "rejected"
        ? "The receiver rejected this action on purpose: the caller got HTTP 403 (code 50350) " +
          "and nothing was stored. A pre-event call is not replayed."
        : "A pre-event call: its answer decided the action when it was made, so it is not " +
          "replayed." }) : null;
    show($("detail"),
      head,
      state.notice ? el("p", { class: "notice", text: state.notice }) : null,
      preNote,
      meta,
      el("section", {}, el("h3", { text: `Attempts (${attempts.length}), newest first` }),
        attemptList),
      requestSection
    );
  }

  // The last row of the delivery's summary: the transport error, or else what the receiver
  // answered when that was not a 2xx (a rejection is an answer, not an error).
  function outcomeEntry(delivery, last) {
    if (delivery.last_error) return ["Last error", delivery.last_error];
    const status = delivery.last_status;
    if (status === null || status === undefined) return ["Last error", "—"];
    const body = last && last.response ? (last.response.body || "") : "";
    const excerpt = body.length > BODY_EXCERPT ? `${body.slice(0, BODY_EXCERPT)}…` : body;
    return ["Receiver's answer", `HTTP ${status}` + (excerpt ? ` · ${excerpt}` : " (empty body)")];
  }

  // The parameters as signed and sent: the form body, or a GET's query string.
  // An Event Streams sink request carries JSON (an array of CloudEvents, or one), shown as is.
  function sinkBody(request, delivery) {
    let text = request ? request.body || "" : null;
    if (text === null) {
      const events = (delivery.params || {}).cloudevents || [];
      text = JSON.stringify((delivery.params || {}).batch === false ? events[0] : events);
    }
    try { return JSON.stringify(JSON.parse(text), null, 2); } catch (e) { return text; }
  }

  function sentParameters(request) {
    const encoded = request.method === "GET"
      ? new URL(request.url).search
      : (request.body || "");
    return Array.from(new URLSearchParams(encoded).entries());
  }

  function renderAttempt(attempt, pre) {
    const response = attempt.response || {};
    const ok = response.status >= 200 && response.status < 300;
    const refused = pre ? "status-rejected" : "status-failed";
    const outcome = attempt.error
      ? el("span", { class: "badge status-failed", text: attempt.error })
      : el("span", { class: `badge ${ok ? "status-delivered" : refused}`,
        text: `HTTP ${response.status}` });
    const body = response.body
      ? el("pre", { class: "body", text: response.body })
      : el("p", { class: "hint", text: "(empty body)" });
    return el("article", { class: "attempt", "data-attempt": attempt.attempt },
      el("header", {},
        el("strong", { text: `#${attempt.attempt}` }), " ", outcome,
        el("span", { class: "muted", text: ` ${fullTime(attempt.at)} · ${latency(attempt.latency_ms)}` })),
      el("details", {},
        el("summary", { text: "Response headers and body" }),
        keyValueTable(Object.entries(response.headers || {})),
        body));
  }

  function renderEventDetail() {
    const event = state.events.find((e) => e.sid === state.selected.sid);
    if (!event) return;
    const key = JSON.stringify(event) + state.deliveries.length;
    if (key === state.detailKey) return;
    state.detailKey = key;
    const related = el("ul", { class: "related" });
    for (const delivery of state.deliveries.filter((d) => d.event_sid === event.sid)) {
      const link = el("button", { type: "button", class: "link", "data-open-delivery": delivery.sid },
        delivery.url || delivery.target);
      link.addEventListener("click", () => { showTab("deliveries"); select("delivery", delivery.sid); });
      related.append(el("li", {}, badge(delivery.status, delivery.last_status), " ", link));
    }
    if (!related.children.length) related.append(el("li", { class: "hint", text: "No deliveries." }));
    show($("detail"),
      el("div", { class: "detail-head" },
        el("div", {}, el("h2", { text: event.event_type }), el("code", { class: "sid", text: event.sid }))),
      keyValueTable([
        ["Source", event.source],
        ["Service", event.chat_service_sid || "—"],
        ["Conversation", event.conversation_sid || "—"],
        ["Created", fullTime(event.date_created)],
      ]),
      el("h3", { text: "Parameters" }),
      keyValueTable(Object.entries(event.params || {}).map(([k, v]) => [k, String(v)])),
      el("h3", { text: "Deliveries" }),
      related);
  }

  async function resend(sid, button) {
    button.disabled = true;
    try {
      await api(`/_hookline/deliveries/${encodeURIComponent(sid)}/Resend`, { method: "POST" });
      state.notice = "Replay queued with the same idempotency token; the new attempt appears below.";
    } catch (error) {
      state.notice = `Replay failed: ${error.message}`;
    }
    state.detailKey = "";
    refresh();
  }

  // The receiver URLs this server's worker sends to: requests in flight and the URL's
  // slots (fewer for a slow or timing-out URL; docs/delivery.md, fairness).
  function renderEndpoints() {
    const rows = state.endpoints.endpoints.map((item) =>
      el("tr", { "data-endpoint-url": item.url, "data-healthy": String(item.healthy) },
        el("td", { class: "wide" }, item.url),
        el("td", { class: "num" }, String(item.in_flight)),
        el("td", { class: "num" }, String(item.slots)),
        el("td", {}, item.healthy ? "healthy" : "slow or new")));
    $("endpoints").replaceChildren(...rows);
    const empty = $("endpoints-empty");
    empty.hidden = rows.length > 0;
    empty.textContent = state.endpoints.worker === "here"
      ? "No requests in flight and no slow receiver."
      : "This server delivers nothing (--no-worker): see each worker's /metrics.";
  }

  // --- the loop --------------------------------------------------------------------------

  function setLive(kind, text) {
    const live = $("live");
    live.dataset.state = kind;
    live.textContent = text;
  }

  async function refresh() {
    clearTimeout(state.timer);
    try {
      const [, , detail] = await Promise.all([
        loadDeliveries(), loadEvents(), loadDetail(), loadEndpoints(),
      ]);
      renderEventTypeOptions();
      renderDeliveries();
      renderEvents();
      if (state.tab === "endpoints") renderEndpoints();
      renderCount();
      if (detail && isSelected("delivery", detail.sid)) renderDeliveryDetail(detail);
      if (state.selected && state.selected.kind === "event") renderEventDetail();
      setLive("live", "live");
    } catch (error) {
      setLive("error", `error: ${error.message}`);
    }
    state.timer = setTimeout(refresh, POLL_MS);
  }

  function showTab(tab) {
    state.tab = tab;
    for (const button of document.querySelectorAll("[data-tab]")) {
      button.setAttribute("aria-selected", String(button.dataset.tab === tab));
    }
    $("deliveries-pane").hidden = tab !== "deliveries";
    $("events-pane").hidden = tab !== "events";
    $("endpoints-pane").hidden = tab !== "endpoints";
    $("filter-status").disabled = tab !== "deliveries";
    // The detail belongs to the tab it was opened in: a new tab starts with none.
    state.selected = null;
    state.detailKey = "";
    state.notice = "";
    for (const row of document.querySelectorAll("tr.selected")) row.classList.remove("selected");
    $("detail").replaceChildren(el("p", { class: "hint", text: HINTS[tab] }));
    refresh();
  }

  document.addEventListener("DOMContentLoaded", () => {
    for (const button of document.querySelectorAll("[data-tab]")) {
      button.addEventListener("click", () => showTab(button.dataset.tab));
    }
    for (const id of ["filter-event-type", "filter-status"]) {
      $(id).addEventListener("change", refresh);
    }
    refresh();
  });
})();

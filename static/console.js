// The agent console's live layer: socket.io (/agent namespace) plus progressive
// enhancement of the server-rendered pages. Every piece of data from the server is
// written with textContent or attributes, never parsed as HTML from strings.
"use strict";

(function () {
  const body = document.body;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));

  function post(url, data) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf, Accept: "application/json" },
      body: data || new FormData(),
    });
  }

  function pad(n) {
    return String(n).padStart(2, "0");
  }

  function when(iso) {
    const d = new Date(iso);
    if (isNaN(d)) return "";
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
      `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
  }

  function gap(later, earlier) {
    const s = Math.max(0, Math.floor((new Date(later) - new Date(earlier)) / 1000));
    if (s < 60) return `${s} s later`;
    if (s < 3600) return `${Math.floor(s / 60)} min later`;
    if (s < 86400) return `${Math.floor(s / 3600)} h later`;
    const days = Math.floor(s / 86400);
    return days === 1 ? "1 day later" : `${days} days later`;
  }

  function webUrl(value) {
    return typeof value === "string" && /^(https?:\/\/|\/(?!\/))/.test(value) ? value : "";
  }

  function badge(channel, labels) {
    const span = document.createElement("span");
    span.className = "ch";
    span.dataset.channel = channel;
    span.textContent = (labels && labels[channel]) || channel;
    span.title = span.textContent;
    return span;
  }

  // -- socket -------------------------------------------------------------------------
  const liveState = $("[data-live-state]");
  const socket = window.io ? window.io("/agent", { transports: ["websocket", "polling"] }) : null;
  function on(name, fn) {
    if (socket) socket.on(name, fn);
  }
  if (socket) {
    socket.on("connect", () => {
      if (liveState) liveState.textContent = "live";
      body.dataset.live = "1";
      const presence = $("[data-presence]");
      if (presence && presence.value === "away") socket.emit("presence", { status: "away" });
    });
    socket.on("disconnect", () => {
      if (liveState) liveState.textContent = "reconnecting…";
      body.dataset.live = "0";
    });
    socket.on("connect_error", () => {
      if (liveState) liveState.textContent = "offline";
    });
    // The session was revoked (signed out elsewhere, password changed, deactivated):
    // stop reconnecting and go to the sign-in page.
    socket.on("session.revoked", () => {
      socket.io.opts.reconnection = false;
      window.location.assign("/login");
    });
  }

  // What channel scripts (e.g. static/phone.js, the softphone) share with this one.
  // They hook in through cancelable DOM events on document: "hub:call-incoming"
  // (detail: the screen pop) and "hub:dial" (detail: {customer_id}); cancelling one
  // tells this script the channel script handled it.
  window.hubConsole = { socket, csrf, on, postJson: (url, data) => postJson(url, data) };
  function handledElsewhere(name, detail) {
    return !document.dispatchEvent(new CustomEvent(name, { detail, cancelable: true }));
  }

  const presenceSelect = $("[data-presence]");
  if (presenceSelect && socket) {
    presenceSelect.addEventListener("change", () => {
      socket.emit("presence", { status: presenceSelect.value });
    });
  }
  on("presence.updated", (p) => {
    const row = $(`[data-presence-agent="${Number(p.agent_id)}"]`);
    if (!row) return;
    row.dataset.presenceState = p.status;
    const label = $(".presence-label", row);
    if (label) label.textContent = p.status;
  });

  // -- screen pop (incoming call) --------------------------------------------------------
  const pop = $("[data-screen-pop]");
  on("call.incoming", (p) => {
    const id = Number(p.customer_id);
    if (!id) return;
    if (handledElsewhere("hub:call-incoming", p)) return; // the softphone shows it
    const url = `/customers/${id}`;
    const draft = $("#reply-body");
    const here = location.pathname === url;
    if (!here && (!draft || !draft.value.trim())) {
      location.assign(url);
      return;
    }
    if (!pop) return;
    $("[data-screen-pop-text]", pop).textContent =
      `Incoming call from ${p.name || (p.caller && p.caller.address) || "a customer"}`;
    // Who the caller may be (only a suggestion: the thread page links with one click).
    const maybe = $("[data-screen-pop-suggestion]", pop);
    const s = (p.suggestions || [])[0] || (p.hints || [])[0];
    if (maybe) {
      maybe.hidden = !s;
      if (s) {
        const last = (s.messages || []).slice(-1)[0];
        maybe.textContent = `Maybe ${s.name || `customer #${s.customer_id}`}: ${s.reason}` +
          (last && last.body ? ` — “${last.body}”` : "");
      }
    }
    $("[data-screen-pop-link]", pop).href = url;
    pop.hidden = false;
    $("[data-screen-pop-link]", pop).focus();
  });
  if (pop) {
    $("[data-screen-pop-close]", pop).addEventListener("click", () => {
      pop.hidden = true;
    });
  }

  // -- inbox ------------------------------------------------------------------------------
  const inboxRows = $("[data-inbox-rows]");
  if (inboxRows) {
    const tpl = $("#tpl-inbox-row");
    let timer = null;
    const refresh = () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const res = await fetch(`/inbox.json${location.search}`, { credentials: "same-origin" });
        if (!res.ok) return;
        const data = await res.json();
        const rows = data.items.map((item) => {
          const tr = tpl.content.firstElementChild.cloneNode(true);
          tr.dataset.customerId = item.customer_id;
          tr.className = `status-${item.status}`;
          const link = $('[data-field="name"]', tr);
          link.href = `/customers/${item.customer_id}`;
          link.textContent = item.name || `Customer #${item.customer_id}`;
          const channels = $('[data-field="channels"]', tr);
          item.channels.forEach((ch) => {
            channels.append(badge(ch), " ");
          });
          $('[data-field="last_message"]', tr).textContent = item.last_message || "";
          $('[data-field="waiting"]', tr).textContent = item.waiting || "";
          if (item.unread) {
            const span = document.createElement("span");
            span.className = "unread";
            span.textContent = item.unread;
            $('[data-field="unread"]', tr).append(span);
          }
          $('[data-field="assignee"]', tr).textContent = item.assignee || "—";
          return tr;
        });
        inboxRows.replaceChildren(...rows);
        $("[data-inbox-empty]").hidden = rows.length > 0;
      }, 150);
    };
    ["event.created", "thread.updated", "customer.updated", "customer.merged",
      "customer.unmerged"].forEach((name) => on(name, refresh));
    const filters = $("[data-inbox-filters]");
    $$('input[name="view"], select', filters).forEach((el) => {
      el.addEventListener("change", () => filters.requestSubmit());
    });
  }

  // -- phone: the queue and click-to-call (endpoints of the phone connector) -------------
  function idempotencyKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  }
  async function errorMessage(res) {
    try {
      const data = await res.json();
      if (data.error && data.error.message) return data.error.message;
    } catch (e) {
      // not JSON
    }
    return `Error ${res.status}`;
  }
  function postJson(url, data) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf, "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(data || {}),
    });
  }

  // Callers waiting in the phone queue, refreshed on every call event. Stays hidden
  // when the hub has no phone connector (GET /phone/queue is 404).
  const phoneQueue = $("[data-phone-queue]");
  if (phoneQueue) {
    const count = $("[data-phone-queue-count]", phoneQueue);
    const answer = $("[data-answer-next]", phoneQueue);
    const answerState = $("[data-answer-state]", phoneQueue);
    let answering = false;
    let queueTimer = null;
    const refreshQueue = () => {
      clearTimeout(queueTimer);
      queueTimer = setTimeout(async () => {
        let res;
        try {
          res = await fetch("/phone/queue", { credentials: "same-origin" });
        } catch (e) {
          return;
        }
        if (!res.ok) return;
        const q = await res.json();
        const waiting = Number(q.waiting) || 0;
        const callbacks = Number(q.callbacks) || 0;
        count.textContent = (waiting === 1 ? "1 caller waiting" : `${waiting} callers waiting`) +
          (callbacks ? ` · ${callbacks === 1 ? "1 callback" : `${callbacks} callbacks`}` : "");
        phoneQueue.dataset.callbacks = String(callbacks);
        phoneQueue.dataset.waiting = String(waiting);
        phoneQueue.hidden = false;
        answer.hidden = !q.can_answer;
        answer.disabled = answering || waiting + callbacks === 0;
      }, 100);
    };
    refreshQueue();
    on("connect", refreshQueue);
    on("call.incoming", refreshQueue);
    ["event.created", "event.updated"].forEach((name) => on(name, (p) => {
      if (p && p.event && p.event.type === "call") refreshQueue();
    }));
    answer.addEventListener("click", async () => {
      if (answering) return;
      answering = true;
      answer.disabled = true;
      answerState.textContent = "Calling your phone…";
      try {
        const res = await postJson("/phone/queue/answer");
        answerState.textContent = res.ok
          ? "Calling your phone… pick up to take the next caller."
          : await errorMessage(res);
      } catch (e) {
        answerState.textContent = "Network error: try again.";
      } finally {
        answering = false;
        refreshQueue();
      }
    });
  }

  // Click-to-call: the hub rings the agent's phone, then the customer. One key per
  // attempt, so a retry after a network error cannot place a second call.
  const callButton = $("[data-call-customer]");
  const threadEl = $("[data-thread]");
  if (callButton && threadEl) {
    const callState = $("[data-call-state]");
    let callKey = null;
    callButton.addEventListener("click", async () => {
      if (callButton.disabled) return;
      // The browser softphone, when registered, places the call itself.
      if (handledElsewhere("hub:dial", { customer_id: Number(threadEl.dataset.customerId) })) return;
      callButton.disabled = true;
      callKey = callKey || idempotencyKey();
      callState.hidden = false;
      callState.classList.remove("error");
      callState.textContent = "Calling your phone…";
      let settled = true;
      try {
        const res = await postJson("/phone/calls",
          { customer_id: Number(threadEl.dataset.customerId), client_id: callKey });
        if (res.ok) {
          callState.textContent = "Calling your phone… pick up to be connected to the customer.";
        } else {
          callState.classList.add("error");
          callState.textContent = await errorMessage(res);
        }
      } catch (e) {
        settled = false; // the call may have been placed: retry with the same key
        callState.classList.add("error");
        callState.textContent = "Network error: the call may not have started. Try again.";
      } finally {
        if (settled) callKey = null;
        callButton.disabled = false;
      }
    });
  }

  // -- thread page --------------------------------------------------------------------------
  const page = $("[data-thread]");
  if (!page) return;
  const customerId = Number(page.dataset.customerId);
  const customerName = page.dataset.customerName;
  const timeline = $("[data-timeline]");
  const scroller = $("[data-timeline-scroll]");
  const labelsEl = $("#channel-labels");
  const labels = labelsEl ? JSON.parse(labelsEl.textContent) : {};

  function nearBottom() {
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 120;
  }
  function toBottom() {
    scroller.scrollTop = scroller.scrollHeight;
  }

  function whoText(ev) {
    if (ev.type === "note") return ev.author ? `Private note · ${ev.author}` : "Private note";
    if (ev.direction === "in") return customerName;
    if (ev.direction === "out") return ev.author || "Agent";
    return ev.author || ev.type.charAt(0).toUpperCase() + ev.type.slice(1);
  }

  function setDelivery(li, ev) {
    const span = $("[data-delivery]", li);
    const show = (ev.type === "message" && ev.direction === "out") || (ev.type === "call" && ev.status);
    span.hidden = !show;
    if (!show) return;
    const status = ev.status || "pending";
    span.textContent = status;
    span.className = `delivery status-${status}`;
    if (ev.error_message) span.title = ev.error_message;
  }

  function addInfo(dl, term, node) {
    const dt = document.createElement("dt");
    dt.textContent = term;
    const dd = document.createElement("dd");
    dd.append(node);
    dl.append(dt, dd);
    dl.hidden = false;
  }

  function renderEvent(ev) {
    const li = $("#tpl-event").content.firstElementChild.cloneNode(true);
    li.id = `event-${ev.id}`;
    li.classList.add(`type-${ev.type}`, `dir-${ev.direction || "none"}`);
    li.dataset.eventId = ev.id;
    li.dataset.channel = ev.channel;
    li.dataset.direction = ev.direction || "";
    li.dataset.createdAt = ev.created_at;
    li.dataset.type = ev.type;
    $(".ch", li).replaceWith(badge(ev.channel, labels));
    $(".who", li).textContent = whoText(ev);
    const time = $("time", li);
    time.dateTime = ev.created_at;
    time.textContent = when(ev.created_at);
    setDelivery(li, ev);
    if (ev.body) {
      const p = $(".body", li);
      p.textContent = ev.body;
      p.hidden = false;
    }
    const data = ev.data || {};
    const files = fileList(data.attachments);
    const media = files ? null : mediaList(data.media);
    if (files || media) $(".body", li).after(files || media);
    if (typeof data.quoted === "string" && data.quoted.trim()) {
      const details = document.createElement("details");
      details.className = "quoted";
      details.dataset.quoted = "";
      const summary = document.createElement("summary");
      summary.textContent = "Show quoted text";
      const pre = document.createElement("pre");
      pre.className = "body";
      pre.textContent = data.quoted;
      details.append(summary, pre);
      $(".body", li).after(details);
    }
    if (typeof data.html === "string" && data.html.trim()) {
      // Sanitised by the connector (nh3); shown in a sandboxed frame (no scripts, no
      // same-origin access) as a second line of defence.
      const details = document.createElement("details");
      details.className = "formatted";
      details.dataset.formatted = "";
      const summary = document.createElement("summary");
      summary.textContent = "Show formatted message";
      const frame = document.createElement("iframe");
      frame.setAttribute("sandbox", "");
      frame.title = "Formatted message";
      frame.referrerPolicy = "no-referrer";
      frame.srcdoc = data.html;
      details.append(summary, frame);
      $(".body", li).after(details);
    }
    if (typeof data.subject === "string" && data.subject.trim()) {
      const p = document.createElement("p");
      p.className = "subject";
      p.dataset.subject = "";
      p.textContent = data.subject;
      $(".body", li).before(p);
    }
    const dl = $(".call-info", li);
    const csat = ev.type === "call" ? "" : csatText(data);
    if (csat) {
      const p = document.createElement("p");
      p.className = "event-detail";
      p.dataset.eventDetail = "";
      p.textContent = csat;
      $(".body", li).after(p);
    }
    if (ev.type === "call") {
      setCallRoute(li, ev);
      if (data.duration) {
        const s = Math.floor(Number(data.duration)) || 0;
        addInfo(dl, "Duration", document.createTextNode(`${Math.floor(s / 60)}:${pad(s % 60)}`));
      }
      const rec = webUrl(data.recording_url);
      if (rec) {
        const audio = document.createElement("audio");
        audio.controls = true;
        audio.preload = "none";
        audio.src = rec;
        addInfo(dl, "Recording", audio);
      }
      if (data.transcript) {
        const details = document.createElement("details");
        details.className = "transcript";
        const summary = document.createElement("summary");
        summary.textContent = "Transcript";
        const p = document.createElement("p");
        p.className = "body";
        p.textContent = data.transcript;
        details.append(summary, p);
        li.append(details);
      }
    } else if (ev.type === "purchase" && data.order_id) {
      const p = document.createElement("p");
      const a = document.createElement("a");
      a.href = `#order-${Number(data.order_id)}`;
      a.textContent = "See order in the context panel";
      p.append(a);
      li.append(p);
    }
    if (ev.type === "assist" && data.status === "open" && page.dataset.assistUrl) {
      li.append(assistForm(ev.id));
    }
    if (ev.direction === "in" && ["message", "call", "visit"].includes(ev.type) && ev.body) {
      const form = $("#tpl-detail-form").content.firstElementChild.cloneNode(true);
      $('[name="source_event_id"]', form).value = ev.id;
      $('[name="value"]', form).value = ev.body.slice(0, 200);
      $$("label[data-for]", form).forEach((label) => {
        const field = $(`[name="${label.dataset.for}"]`, form);
        field.id = `d${label.dataset.for[0]}-${ev.id}`;
        label.htmlFor = field.id;
      });
      li.append(form);
    }
    return li;
  }

  // Same rules as hub.web.console.event_details.
  function agentName(id) {
    const row = $(`[data-presence-agent="${Number(id)}"]`);
    return (row && row.dataset.agentName) || "an agent";
  }
  const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
  function openingText(iso) {
    const m = typeof iso === "string" && /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso);
    if (!m) return "";
    const day = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))).getUTCDay();
    return `${WEEKDAYS[day]} at ${m[4]}:${m[5]}`;
  }
  function callRouteText(data) {
    const route = data.route;
    if (!route || typeof route !== "object") return "";
    const agent = Number.isInteger(route.agent_id) ? agentName(route.agent_id) : "an agent";
    if (route.closed) {
      const opens = openingText(route.opens_at);
      return opens ? `Closed: voicemail (opens ${opens})` : "Closed: voicemail";
    }
    if (data.voicemail) return route.mode === "queue" ? "Queued, then voicemail" : "Not answered: voicemail";
    if (route.mode === "queue") return "Queued";
    if (route.mode === "agent") {
      if (route.dequeued) return `Answered from the queue by ${agent}`;
      const statuses = Array.isArray(data.statuses) ? data.statuses : [];
      const answered = statuses.some((s) => s === "in-progress" || s === "answered");
      const sticky = route.sticky ? " (their agent)" : "";
      return `${answered ? "Answered by" : "Routed to"} ${agent}${sticky}`;
    }
    return route.mode === "voicemail" ? "Voicemail" : "";
  }
  function csatText(data) {
    const csat = data.csat;
    return csat && typeof csat === "object" && Number.isInteger(csat.score) ? `rated ${csat.score}/5` : "";
  }
  // Hold, resume and transfers during the call (data.steps, hub.actions.call_steps).
  function setCallSteps(li, ev) {
    const steps = Array.isArray((ev.data || {}).steps) ? ev.data.steps : [];
    const dl = $(".call-info", li);
    if (!dl || !steps.length) return;
    let ol = $("[data-call-steps]", dl);
    if (!ol) {
      ol = document.createElement("ol");
      ol.className = "call-steps";
      ol.dataset.callSteps = "";
      addInfo(dl, "Steps", ol);
    }
    ol.replaceChildren(...steps.map((step) => {
      const item = document.createElement("li");
      item.textContent = `${when(step.at)} ${String(step.text || step.step || "")}`;
      return item;
    }));
  }
  // Recordings of the call (voicemail, or the live call when recording is on).
  function setCallRecordings(li, ev) {
    const recordings = Array.isArray((ev.data || {}).recordings) ? ev.data.recordings : [];
    const dl = $(".call-info", li);
    if (!dl || !recordings.length) return;
    let ul = $("[data-call-recordings]", dl);
    if (!ul) {
      ul = document.createElement("ul");
      ul.className = "plain";
      ul.dataset.callRecordings = "";
      addInfo(dl, "Recordings", ul);
    }
    ul.replaceChildren(...recordings.map((r) => {
      const item = document.createElement("li");
      const label = `${Number(r.duration) || "?"} s`;
      const url = webUrl(r.url);
      if (url) {
        const a = document.createElement("a");
        a.href = url;
        a.rel = "noreferrer noopener";
        a.target = "_blank";
        a.textContent = label;
        item.append(a);
      } else {
        item.textContent = label;
      }
      if (Number(r.channels) === 2) item.append(" · dual-channel");
      return item;
    }));
  }
  function setCallRoute(li, ev) {
    setCallSteps(li, ev);
    setCallRecordings(li, ev);
    const text = callRouteText(ev.data || {});
    const dl = $(".call-info", li);
    if (!text || !dl) return;
    const dd = $("[data-call-route]", dl);
    if (dd) {
      dd.textContent = text;
      return;
    }
    const span = document.createElement("span");
    span.textContent = text;
    addInfo(dl, "Route", span);
    $("dd:last-child", dl).dataset.callRoute = "";
  }

  // MMS and other attachments: only http(s) URLs; images by content type (same rule as
  // hub.web.console.timeline.media_of).
  function mediaList(items) {
    if (!Array.isArray(items)) return null;
    const ul = document.createElement("ul");
    ul.className = "media plain";
    items.slice(0, 10).forEach((item) => {
      const url = item && typeof item.url === "string" ? item.url : "";
      if (!/^https?:\/\//i.test(url)) return;
      const kind = typeof item.content_type === "string" ? item.content_type : "";
      const n = ul.children.length + 1;
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = url;
      a.rel = "noreferrer noopener";
      a.target = "_blank";
      if (kind.toLowerCase().startsWith("image/")) {
        const img = document.createElement("img");
        img.src = url;
        img.alt = `Image attachment ${n}`;
        img.loading = "lazy";
        img.referrerPolicy = "no-referrer";
        a.append(img);
      } else {
        a.textContent = kind ? `Attachment ${n} (${kind})` : `Attachment ${n}`;
      }
      li.append(a);
      ul.append(li);
    });
    return ul.children.length ? ul : null;
  }

  // Named attachments (email): same rules as hub.web.console.timeline.files_of.
  function sizeText(size) {
    if (!Number.isInteger(size) || size < 0) return "";
    if (size >= 1048576) return `${(size / 1048576).toFixed(1)} MB`;
    if (size >= 1024) return `${Math.floor(size / 1024)} KB`;
    return `${size} B`;
  }
  function fileList(items) {
    if (!Array.isArray(items) || !items.length) return null;
    const ul = document.createElement("ul");
    ul.className = "files plain";
    ul.dataset.files = "";
    items.slice(0, 20).forEach((item) => {
      if (!item || typeof item !== "object") return;
      const name = typeof item.filename === "string" && item.filename ? item.filename : "attachment";
      const url = typeof item.url === "string" && /^https?:\/\//i.test(item.url) ? item.url : "";
      const li = document.createElement("li");
      let label;
      if (url) {
        label = document.createElement("a");
        label.href = url;
        label.rel = "noreferrer noopener";
        label.target = "_blank";
      } else {
        label = document.createElement("span");
      }
      label.textContent = name;
      li.append(label);
      const size = sizeText(item.size);
      const omitted = typeof item.omitted === "string" ? item.omitted : url ? "" : "not kept";
      const note = [size, omitted && `— ${omitted}`].filter(Boolean).join(" ");
      if (note) {
        const span = document.createElement("span");
        span.className = "muted";
        span.textContent = note;
        li.append(" ", span);
      }
      ul.append(li);
    });
    return ul.children.length ? ul : null;
  }

  function assistForm(id) {
    const form = document.createElement("form");
    form.className = "assist-reply";
    form.method = "post";
    form.action = page.dataset.assistUrl.replace("{event_id}", String(Number(id)));
    form.dataset.assistForm = "";
    const label = document.createElement("label");
    label.htmlFor = `ar-${id}`;
    label.textContent = "Answer the store";
    const input = document.createElement("input");
    input.id = label.htmlFor;
    input.name = "body";
    input.required = true;
    input.maxLength = 2000;
    const button = document.createElement("button");
    button.type = "submit";
    button.textContent = "Send to store";
    form.append(label, " ", input, " ", button);
    return form;
  }

  // Assist requests from stores: the in-store connector's endpoint takes JSON.
  timeline.addEventListener("submit", async (e) => {
    const form = e.target.closest("form[data-assist-form]");
    if (!form) return;
    e.preventDefault();
    const input = form.querySelector('[name="body"]');
    const res = await fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf, "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ body: input.value }),
    });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) {
      input.setCustomValidity((data.error && data.error.message) || "Not sent");
      input.reportValidity();
      return;
    }
    form.remove();
    if (data.event) appendEvent({ ...data.event, author: $(".me-name").textContent });
  });

  function markHandoffs() {
    $$(".handoff-marker", timeline).forEach((m) => m.remove());
    let prev = null;
    $$(".event", timeline).forEach((li) => {
      if (!li.dataset.direction) return;
      if (prev && prev.dataset.channel !== li.dataset.channel) {
        const marker = $("#tpl-handoff").content.firstElementChild.cloneNode(true);
        const text = `moved from ${prev.dataset.channel} to ${li.dataset.channel} — ` +
          gap(li.dataset.createdAt, prev.dataset.createdAt);
        $("span", marker).textContent = text;
        marker.setAttribute("aria-label", text);
        li.before(marker);
      }
      prev = li;
    });
  }

  function appendEvent(ev) {
    if (document.getElementById(`event-${ev.id}`)) return;
    const stick = nearBottom();
    timeline.append(renderEvent(ev));
    markHandoffs();
    if (stick) toBottom();
  }

  // Older history, on scroll or on the button.
  const olderBox = $(".load-older", page);
  let loading = false;
  async function loadOlder() {
    const cursor = page.dataset.cursor;
    if (!cursor || loading) return;
    loading = true;
    try {
      const res = await fetch(`/customers/${customerId}/timeline.json?before=${encodeURIComponent(cursor)}`,
        { credentials: "same-origin" });
      if (!res.ok) return;
      const data = await res.json();
      const before = scroller.scrollHeight;
      const nodes = data.items.slice().reverse()
        .filter((ev) => !document.getElementById(`event-${ev.id}`)).map(renderEvent);
      timeline.prepend(...nodes);
      markHandoffs();
      scroller.scrollTop += scroller.scrollHeight - before;
      page.dataset.cursor = data.next || "";
      olderBox.hidden = !data.next;
    } finally {
      loading = false;
    }
  }
  $("[data-load-older]", page).addEventListener("click", loadOlder);
  scroller.addEventListener("scroll", () => {
    if (scroller.scrollTop < 80) loadOlder();
  });

  // Stock nearby: asked after the page so the page never waits on the shop (our own
  // escaped markup from /customers/{id}/stock).
  async function loadStock() {
    const section = $("[data-stock-url]", page);
    if (!section) return;
    try {
      const res = await fetch(section.dataset.stockUrl, { credentials: "same-origin" });
      if (!res.ok || res.redirected) throw new Error(String(res.status));
      const doc = new DOMParser().parseFromString(await res.text(), "text/html");
      const target = $("[data-stock-body]", section);
      target.replaceChildren(...Array.from(doc.body.childNodes, (n) => document.importNode(n, true)));
      section.dataset.stockLoaded = "1";
    } catch (err) {
      $("[data-stock-body]", section).textContent = "Stock is unavailable right now.";
    }
  }
  loadStock();

  // Context panel: re-read from the server page (our own escaped markup) when it changes.
  async function refreshPanel() {
    const res = await fetch(location.pathname, { credentials: "same-origin" });
    if (!res.ok || res.redirected) return;
    const doc = new DOMParser().parseFromString(await res.text(), "text/html");
    const fresh = doc.querySelector("aside.panel");
    const current = $("aside.panel", page);
    if (fresh && current) current.replaceWith(document.importNode(fresh, true));
    loadStock();
  }

  // Search this thread: messages, notes and call transcripts (timeline.json?q=).
  const searchForm = $("[data-thread-search]", page);
  if (searchForm) {
    const results = $("[data-thread-search-results]", searchForm);
    searchForm.addEventListener("submit", async (e) => {
      e.preventDefault();
      const q = $('[name="q"]', searchForm).value.trim();
      if (!q) {
        results.hidden = true;
        return;
      }
      const res = await fetch(`/customers/${customerId}/timeline.json?q=${encodeURIComponent(q)}`,
        { credentials: "same-origin" });
      const data = res.ok ? await res.json() : { items: [] };
      const items = data.items.map((ev) => {
        const li = document.createElement("li");
        li.dataset.searchResult = ev.id;
        const transcript = ev.data && typeof ev.data.transcript === "string" &&
          ev.data.transcript.toLowerCase().includes(q.toLowerCase());
        const a = document.createElement("a");
        a.href = `#event-${Number(ev.id)}`;
        a.textContent = `${when(ev.created_at)} · ${ev.channel}${transcript ? " · call transcript" : ""}`;
        const text = document.createElement("span");
        text.textContent = ` ${transcript ? ev.data.transcript : ev.body || ""}`.slice(0, 240);
        li.append(a, text);
        return li;
      });
      if (!items.length) {
        const li = document.createElement("li");
        li.textContent = "Nothing found in this thread.";
        items.push(li);
      }
      results.replaceChildren(...items);
      results.hidden = false;
    });
  }

  // Live events.
  const statusPill = $("[data-thread-status]");
  function showStatus(status) {
    statusPill.textContent = status;
    statusPill.className = `pill status-${status}`;
    $$("[data-when-status]", page).forEach((form) => {
      form.hidden = !form.dataset.whenStatus.split(" ").includes(status);
    });
  }
  on("connect", () => socket.emit("watch", { customer_id: customerId }));
  on("event.created", (p) => {
    if (Number(p.customer_id) === customerId) appendEvent(p.event);
  });
  on("event.updated", (p) => {
    if (Number(p.customer_id) !== customerId) return;
    const li = document.getElementById(`event-${p.event.id}`);
    if (!li) return;
    setDelivery(li, p.event);
    if (p.event.type === "call") setCallRoute(li, p.event);
    if (p.event.type === "assist" && (p.event.data || {}).status !== "open") {
      const form = $("form[data-assist-form]", li);
      if (form) form.remove();
    }
  });
  on("thread.updated", (p) => {
    if (Number(p.customer_id) !== customerId) return;
    showStatus(p.status);
    const assignee = $("[data-thread-assignee]");
    const row = p.assignee_id ? $(`[data-presence-agent="${Number(p.assignee_id)}"]`) : null;
    assignee.textContent = row ? `Assigned to ${row.dataset.agentName}`
      : p.assignee_id ? "Assigned" : "Unassigned";
  });
  ["customer.updated", "order.updated"].forEach((name) => on(name, (p) => {
    if (Number(p.customer_id) === customerId) refreshPanel();
  }));
  on("customer.merged", (p) => {
    if (Number(p.source_customer_id) === customerId) location.assign(`/customers/${p.customer_id}`);
    else if (Number(p.customer_id) === customerId) location.reload();
  });
  on("customer.unmerged", (p) => {
    if ([Number(p.customer_id), Number(p.source_customer_id)].includes(customerId)) location.reload();
  });

  // Typing indicator (from the customer's channel).
  const typing = $("[data-typing]");
  let typingTimer = null;
  on("typing", (p) => {
    if (Number(p.customer_id) !== customerId || p.who !== "customer") return;
    clearTimeout(typingTimer);
    typing.textContent = `${p.name || customerName} is typing…`;
    typing.hidden = !p.typing;
    if (p.typing) typingTimer = setTimeout(() => { typing.hidden = true; }, 6000);
  });

  // Reply box: fetch with the CSRF header; the event itself arrives on the socket.
  const form = $("[data-reply-form]");
  const textarea = $("#reply-body");
  const channel = $("[data-reply-channel]");
  const submit = $("[data-reply-submit]");
  const error = $("[data-reply-error]");
  function syncMode() {
    const mode = $('input[name="mode"]:checked', form);
    const note = mode && mode.value === "note";
    channel.disabled = note || channel.options.length === 0;
    submit.textContent = note ? "Add note" : "Send";
    form.classList.toggle("note-mode", note);
  }
  $$('input[name="mode"]', form).forEach((r) => r.addEventListener("change", syncMode));
  syncMode();

  // What the chosen channel says about replying now (Connector.reply_options): the time
  // left for free-form text, why it is closed, and approved templates to send instead.
  // A chosen template fills the (read-only) message box with the text the customer
  // will read; its {{n}} values are typed in the fields built for them.
  const optionBlocks = $$("[data-reply-options]", form);
  function templateOf(block) {
    const select = $("[data-template-select]", block);
    return select && select.value ? select.selectedOptions[0] : null;
  }
  function renderTemplate(block) {
    const chosen = templateOf(block);
    if (!chosen) return;
    const values = {};
    $$("[data-template-var]", block).forEach((i) => { values[i.dataset.templateVar] = i.value; });
    textarea.value = chosen.dataset.body.replace(/\{\{\s*(\w+)\s*\}\}/g,
      (m, name) => (values[name] ? values[name] : m));
  }
  function chooseTemplate(block) {
    const chosen = block ? templateOf(block) : null;
    const vars = block ? $("[data-template-vars]", block) : null;
    if (vars) vars.replaceChildren();
    textarea.readOnly = Boolean(chosen);
    textarea.required = !chosen;
    if (!chosen) {
      if (textarea.dataset.preview) textarea.value = "";
      delete textarea.dataset.preview;
      return;
    }
    textarea.dataset.preview = "1";
    chosen.dataset.placeholders.split(",").filter(Boolean).forEach((name) => {
      const label = document.createElement("label");
      const input = document.createElement("input");
      input.name = `template_var_${name}`;
      input.required = true;
      input.maxLength = 1024;
      input.dataset.templateVar = name;
      input.addEventListener("input", () => renderTemplate(block));
      label.append(`{{${name}}} `, input);
      vars.append(label);
    });
    renderTemplate(block);
  }
  function syncOptions() {
    const mode = $('input[name="mode"]:checked', form);
    const note = mode && mode.value === "note";
    let shown = null;
    optionBlocks.forEach((block) => {
      const show = !note && block.dataset.replyOptions === channel.value;
      block.hidden = !show;
      const select = $("[data-template-select]", block);
      if (select) select.disabled = !show;
      if (show) shown = block;
    });
    chooseTemplate(shown && $("[data-template-select]", shown) ? shown : null);
  }
  function tickWindows() {
    $$("[data-free-form-until]", form).forEach((p) => {
      const left = Math.max(0, Math.floor((Date.parse(p.dataset.freeFormUntil) - Date.now()) / 60000));
      const text = left >= 60 ? `${Math.floor(left / 60)} h ${left % 60} min` : `${left} min`;
      $("[data-time-left]", p).textContent = text;
      if (left === 0 && !p.dataset.closed) {
        p.dataset.closed = "1";
        p.append(" The window has closed: reload the page for the approved templates.");
      }
    });
  }
  if (optionBlocks.length) {
    channel.addEventListener("change", syncOptions);
    $$('input[name="mode"]', form).forEach((r) => r.addEventListener("change", syncOptions));
    optionBlocks.forEach((block) => {
      const select = $("[data-template-select]", block);
      if (select) select.addEventListener("change", () => chooseTemplate(block));
    });
    syncOptions();
    tickWindows();
    setInterval(tickWindows, 30000);
  }
  let typingSent = 0;
  textarea.addEventListener("input", () => {
    if (!socket || Date.now() - typingSent < 2000) return;
    typingSent = Date.now();
    socket.emit("typing", { customer_id: customerId, typing: true });
  });
  textarea.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  // Canned responses: "/" opens a list filtered by what follows it; arrows choose,
  // Enter inserts the text rendered server-side for this customer (plain text, set
  // with .value), Escape closes.
  const picker = $("[data-canned-picker]");
  const cannedList = $("[data-canned-list]");
  const cannedEmpty = $("[data-canned-empty]");
  const cannedQuery = $("[data-canned-query]");
  let slashAt = -1;
  let active = -1;
  let searchSeq = 0;
  function cannedOptions() {
    return $$('[role="option"]', cannedList);
  }
  function closePicker() {
    slashAt = -1;
    active = -1;
    picker.hidden = true;
    cannedList.replaceChildren();
    textarea.setAttribute("aria-expanded", "false");
    textarea.removeAttribute("aria-activedescendant");
  }
  function setActive(i) {
    const options = cannedOptions();
    if (!options.length) return;
    active = (i + options.length) % options.length;
    options.forEach((o, n) => o.setAttribute("aria-selected", n === active ? "true" : "false"));
    textarea.setAttribute("aria-activedescendant", options[active].id);
    options[active].scrollIntoView({ block: "nearest" });
  }
  async function searchCanned() {
    const query = textarea.value.slice(slashAt + 1, textarea.selectionStart);
    cannedQuery.textContent = `/${query}`;
    const seq = ++searchSeq;
    const res = await fetch(`/canned.json?q=${encodeURIComponent(query)}`, { credentials: "same-origin" });
    if (!res.ok) return;
    const data = await res.json();
    if (seq !== searchSeq || slashAt < 0) return; // a newer search has answered, or closed
    cannedList.replaceChildren(...data.items.map((item) => {
      const li = document.createElement("li");
      li.id = `canned-opt-${Number(item.id)}`;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.dataset.cannedId = item.id;
      const code = document.createElement("code");
      code.textContent = `/${item.shortcut}`;
      li.append(code, " ", item.title);
      return li;
    }));
    cannedEmpty.hidden = data.items.length > 0;
    active = -1;
    setActive(0);
  }
  async function insertCanned(option) {
    const start = slashAt;
    const end = textarea.selectionStart;
    closePicker();
    const res = await fetch(`/customers/${customerId}/canned/${Number(option.dataset.cannedId)}.json`,
      { credentials: "same-origin" });
    const data = await res.json().catch(() => ({}));
    if (!res.ok || typeof data.text !== "string") {
      error.textContent = (data.error && data.error.message) || "Could not insert the canned response";
      error.hidden = false;
      return;
    }
    const value = textarea.value;
    textarea.value = value.slice(0, start) + data.text + value.slice(end);
    const caret = start + data.text.length;
    textarea.setSelectionRange(caret, caret);
    textarea.focus();
  }
  if (picker) {
    textarea.addEventListener("input", () => {
      const caret = textarea.selectionStart;
      const value = textarea.value;
      if (slashAt < 0) {
        const before = value.slice(0, caret);
        if (before.endsWith("/") && (caret === 1 || /\s/.test(before.charAt(caret - 2)))) {
          slashAt = caret - 1;
          picker.hidden = false;
          textarea.setAttribute("aria-expanded", "true");
        } else {
          return;
        }
      }
      const query = value.slice(slashAt + 1, caret);
      if (value.charAt(slashAt) !== "/" || caret <= slashAt || /\n/.test(query) || query.length > 40) {
        closePicker();
        return;
      }
      searchCanned();
    });
    textarea.addEventListener("keydown", (e) => {
      if (slashAt < 0) return;
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        setActive(active + (e.key === "ArrowDown" ? 1 : -1));
      } else if (e.key === "Enter" && !e.ctrlKey && !e.metaKey) {
        const option = cannedOptions()[active];
        if (option) {
          e.preventDefault();
          e.stopImmediatePropagation();
          insertCanned(option);
        }
      } else if (e.key === "Escape") {
        e.preventDefault();
        closePicker();
      }
    });
    textarea.addEventListener("blur", () => {
      setTimeout(() => { if (document.activeElement !== textarea) closePicker(); }, 200);
    });
    cannedList.addEventListener("mousedown", (e) => {
      const option = e.target.closest('[role="option"]');
      if (!option) return;
      e.preventDefault();
      insertCanned(option);
    });
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.hidden = true;
    submit.disabled = true;
    try {
      const res = await post(form.action, new FormData(form));
      const data = await res.json().catch(() => ({}));
      if (!res.ok) {
        error.textContent = (data.error && data.error.message) || `Not sent (${res.status})`;
        error.hidden = false;
        return;
      }
      textarea.value = "";
      $$("[data-template-select]", form).forEach((select) => { select.value = ""; });
      if (optionBlocks.length) syncOptions();
      if (socket) socket.emit("typing", { customer_id: customerId, typing: false });
      if (data.event) appendEvent({ ...data.event, author: $(".me-name").textContent });
      toBottom();
    } finally {
      submit.disabled = false;
      textarea.focus();
    }
  });

  toBottom();
  post(`/customers/${customerId}/read`);
})();

// The console's browser softphone: Twilio's Voice JavaScript SDK (vendored from npm into
// /static/vendor/twilio.min.js, global `Twilio.Device`) registered with the hub's
// access token (GET /phone/token). It rings with the screen pop, answers, declines,
// mutes and hangs up, places click-to-call from a thread, and follows the agent's
// presence (away = unregistered, so no call rings here). Data from the server is
// written with textContent only. Hidden when the hub has no browser phone configured.
"use strict";

(function () {
  const hc = window.hubConsole;
  if (!hc) return;
  wallboard(hc);
  if (!window.Twilio || !window.Twilio.Device) return;

  const RECOGNITION = {
    verified: "Verified number",
    asserted: "Number only typed into a form: confirm who is calling",
    handoff: "Linked by a handoff code",
    confirmed: "Pressed 1: linked to the web chat that gave this number",
    new: "New caller",
  };
  const POP_MESSAGES = 3;

  // The phone wallboard on the inbox: GET /phone/wallboard, then live on the socket
  // (wallboard.updated, and a fresh read when an agent's presence changes); the longest
  // wait counts up here between updates. "Today" is the hub's business day.
  function wallboard(hc) {
    if (document.body.dataset.page !== "inbox") return;
    const counted = ["waiting", "callbacks", "agents_online", "agents_available", "agents_on_calls",
      "answered_today", "abandoned_today"];
    const tiles = [
      ["waiting", "Callers waiting"], ["longest", "Longest wait"], ["callbacks", "Callbacks pending"],
      ["agents_online", "Agents online"], ["agents_available", "Agents available"],
      ["agents_on_calls", "Agents on calls"], ["answered_today", "Answered today"],
      ["abandoned_today", "Abandoned today"],
    ];
    const values = {};
    const board = el("section", { class: "wallboard", "data-phone-wallboard": "", hidden: true,
      "aria-label": "Phone wallboard" }, el("h2", { class: "visually-hidden", text: "Phone wallboard" }),
    el("dl", {}, ...tiles.map(([key, label]) => {
      values[key] = el("dd", { "data-wallboard": key, text: "–" });
      return el("div", { class: "tile" }, el("dt", { text: label }), values[key]);
    })));
    const main = document.querySelector("main");
    main.prepend(board);
    let since = null;
    const longest = () => {
      if (!since) {
        values.longest.textContent = "–";
        return;
      }
      const s = Math.max(0, Math.floor((Date.now() - new Date(since)) / 1000));
      values.longest.textContent = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
    };
    const show = (counts) => {
      counted.forEach((key) => {
        values[key].textContent = String(Number(counts[key]) || 0);
      });
      if (counts.time_zone) board.title = `Today: since midnight, ${counts.time_zone}`;
      since = counts.longest_waiting_since || null;
      longest();
      board.hidden = false;
    };
    setInterval(longest, 1000);
    const read = () => fetch("/phone/wallboard", { credentials: "same-origin" })
      .then((res) => (res.ok ? res.json() : null)).then((counts) => counts && show(counts))
      .catch(() => {});
    read();
    hc.on("wallboard.updated", (counts) => {
      if (counts && counts.channel === "phone") show(counts);
    });
    let pending = null; // presence changes come in bursts (a console reconnecting)
    hc.on("presence.updated", () => {
      clearTimeout(pending);
      pending = setTimeout(read, 200);
    });
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (k === "text") node.textContent = v;
      else if (k === "hidden") node.hidden = Boolean(v);
      else node.setAttribute(k, v);
    });
    node.append(...children);
    return node;
  }
  function button(attr, text, extra) {
    return el("button", Object.assign({ type: "button", [attr]: "", hidden: true, text }, extra));
  }

  // -- the panel ---------------------------------------------------------------------------
  const status = el("p", { class: "softphone-status", "data-phone-status": "", role: "status",
    "aria-live": "polite", text: "Connecting the phone…" });
  const popName = el("strong", { "data-pop-name": "" });
  const popNumber = el("span", { class: "muted", "data-pop-number": "" });
  const popRecognition = el("p", { class: "recognition", "data-pop-recognition": "" });
  const popMessages = el("ul", { class: "plain pop-messages", "data-pop-messages": "",
    "aria-label": "Last messages" });
  const popOrders = el("ul", { class: "plain pop-orders", "data-pop-orders": "",
    "aria-label": "Open orders" });
  const popLink = el("a", { "data-pop-link": "", href: "#", target: "_blank",
    rel: "noopener", text: "Open thread" });
  const pop = el("div", { class: "softphone-pop", "data-phone-pop": "", hidden: true },
    el("p", {}, popName, " ", popNumber), popRecognition,
    el("h3", { text: "Last messages" }), popMessages,
    el("h3", { text: "Open orders" }), popOrders, el("p", {}, popLink));
  const answerBtn = button("data-phone-answer", "Answer", { class: "ok" });
  const declineBtn = button("data-phone-decline", "Decline", { class: "danger" });
  const muteBtn = button("data-phone-mute", "Mute", { "aria-pressed": "false" });
  const hangupBtn = button("data-phone-hangup", "Hang up", { class: "danger" });
  const nextBtn = button("data-phone-next", "Take next caller");
  const holdBtn = button("data-phone-hold", "Hold", { "aria-pressed": "false" });
  const transferBtn = button("data-phone-transfer", "Transfer…", { "aria-haspopup": "dialog" });
  const completeBtn = button("data-phone-complete", "Complete transfer");
  const controls = el("div", { class: "softphone-controls" },
    answerBtn, declineBtn, muteBtn, holdBtn, transferBtn, completeBtn, hangupBtn, nextBtn);
  const panel = el("section", { class: "softphone", "data-softphone": "", "data-state": "off",
    "aria-label": "Phone", hidden: true }, el("h2", { text: "Phone" }), status, pop, controls);
  document.body.append(panel);

  // Other scripts (transfer, hold) extend the panel through this object.
  const phone = { panel, controls, pop, call: null, popData: null, device: null };
  window.hubPhone = phone;

  let device = null;
  let registered = false;
  let call = null; // the one current call (ringing, connecting or open)
  let timer = null;
  let transferring = false; // a warm transfer waits for "Complete transfer"
  const pops = new Map(); // CallSid -> screen pop, from the socket's call.incoming

  function setState(state, text) {
    panel.dataset.state = state;
    status.textContent = text;
    answerBtn.hidden = state !== "ringing";
    declineBtn.hidden = state !== "ringing";
    muteBtn.hidden = state !== "open";
    const inRoom = state === "open" && Boolean(roomCall());
    holdBtn.hidden = !inRoom;
    transferBtn.hidden = !inRoom || transferring;
    completeBtn.hidden = !inRoom || !transferring;
    hangupBtn.hidden = !["open", "connecting"].includes(state);
    const queue = document.querySelector("[data-phone-queue]");
    const waiting = queue ? (Number(queue.dataset.waiting) || 0) + (Number(queue.dataset.callbacks) || 0) : 0;
    nextBtn.hidden = !(state === "ready" && waiting > 0);
    document.dispatchEvent(new CustomEvent("hub:phone-state", { detail: { state } }));
  }
  function idleState() {
    if (!registered) setState("off", "Phone off: set yourself online to take calls.");
    else setState("ready", "Phone ready");
  }

  function showPop(data, fallbackNumber) {
    phone.popData = data || null;
    const p = data || {};
    const caller = p.caller || {};
    popName.textContent = p.name || (p.customer_id ? `Customer #${Number(p.customer_id)}` : "Unknown caller");
    popNumber.textContent = caller.address || fallbackNumber || "";
    // A suggestion (a recent chat that gave this number) is only a hint, never a link.
    const maybe = (p.suggestions || [])[0] || (p.hints || [])[0];
    popRecognition.textContent = (RECOGNITION[p.recognised_by] || "") +
      (maybe ? ` · Maybe ${maybe.name || `customer #${Number(maybe.customer_id)}`}: ${maybe.reason}` : "");
    popRecognition.dataset.level = p.recognised_by || "";
    const messages = Array.isArray(p.messages) ? p.messages.slice(-POP_MESSAGES) : [];
    popMessages.replaceChildren(...(messages.length ? messages.map((m) => el("li", {},
      el("span", { class: "ch", "data-channel": String(m.channel || ""), text: String(m.channel || "") }),
      " ", el("span", { text: String(m.body || "") })))
      : [el("li", { class: "muted", text: "No messages yet" })]));
    const orders = Array.isArray(p.orders) ? p.orders : [];
    popOrders.replaceChildren(...(orders.length ? orders.map((o) => el("li", {
      text: [o.number, o.status, o.pickup_location].filter(Boolean).map(String).join(" · "),
    })) : [el("li", { class: "muted", text: "No open orders" })]));
    const id = Number(p.customer_id);
    popLink.hidden = !id;
    if (id) popLink.href = `/customers/${id}`;
    pop.hidden = false;
  }

  // Which call hold and transfer act on: the caller's CallSid when the hub rang this
  // phone into the call's room; else this phone's own CallSid (a caller taken from the
  // queue, a click-to-call: this call joined the room, and the hub knows it as its leg).
  function roomCall() {
    const params = call && call.customParameters;
    const rungFor = params && params.get ? params.get("call_sid") : "";
    return rungFor || (call && call.parameters && call.parameters.CallSid) || "";
  }

  function takingFromQueue(sdkCall) {
    const params = sdkCall.customParameters;
    return Boolean(params && params.get && params.get("To") === "queue");
  }

  function popFor(sdkCall) {
    const params = sdkCall.customParameters;
    const sid = params && params.get ? params.get("call_sid") : null;
    return sid ? pops.get(sid) : null;
  }

  let started = 0;
  let note = ""; // e.g. " · caller on hold", shown after the call's duration
  function tick() {
    const s = Math.floor((Date.now() - started) / 1000);
    const muted = call && call.isMuted() ? " · muted" : "";
    status.textContent = `On call ${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}${muted}${note}`;
  }
  function setNote(text) {
    note = text ? ` · ${text}` : "";
    if (timer) tick();
    else status.textContent = text;
  }
  function startTimer() {
    started = Date.now();
    note = "";
    clearInterval(timer);
    tick();
    timer = setInterval(tick, 1000);
  }

  function endCall(text) {
    clearInterval(timer);
    timer = null;
    note = "";
    transferring = false;
    holdBtn.setAttribute("aria-pressed", "false");
    holdBtn.textContent = "Hold";
    call = null;
    phone.call = null;
    muteBtn.setAttribute("aria-pressed", "false");
    muteBtn.textContent = "Mute";
    idleState();
    if (text) status.textContent = text;
  }

  function follow(sdkCall) {
    call = sdkCall;
    phone.call = sdkCall;
    sdkCall.on("accept", () => {
      setState("open", "On call");
      startTimer();
      muteBtn.focus();
    });
    sdkCall.on("disconnect", () => endCall("Call ended"));
    sdkCall.on("cancel", () => endCall("Missed: the caller hung up"));
    sdkCall.on("reject", () => endCall("Declined"));
    sdkCall.on("error", (err) => endCall(`Call error: ${(err && err.message) || "unknown"}`));
    sdkCall.on("mute", (muted) => {
      muteBtn.setAttribute("aria-pressed", muted ? "true" : "false");
      muteBtn.textContent = muted ? "Unmute" : "Mute";
    });
  }

  // -- the device ---------------------------------------------------------------------------
  async function fetchToken() {
    const res = await fetch("/phone/token", { credentials: "same-origin" });
    if (!res.ok) return null;
    return res.json();
  }

  function wantRegistered() {
    const presence = document.querySelector("[data-presence]");
    return !presence || presence.value !== "away";
  }

  async function start() {
    let token;
    try {
      token = await fetchToken();
    } catch (e) {
      return;
    }
    if (!token || !token.token) return; // no browser phone on this hub
    device = new window.Twilio.Device(token.token, {
      closeProtection: "A call is in progress: leaving this page ends it.",
      codecPreferences: ["opus", "pcmu"],
    });
    phone.device = device;
    panel.hidden = false;
    device.on("registered", () => {
      registered = true;
      if (!call) idleState();
    });
    device.on("unregistered", () => {
      registered = false;
      if (!call) idleState();
    });
    device.on("error", (err) => {
      status.textContent = `Phone error: ${(err && err.message) || "unknown"}`;
    });
    device.on("incoming", (sdkCall) => {
      if (call) {
        sdkCall.reject(); // one call at a time
        return;
      }
      follow(sdkCall);
      const from = sdkCall.parameters ? sdkCall.parameters.From : "";
      showPop(popFor(sdkCall), from);
      setState("ringing", `Incoming call from ${popName.textContent}`);
      answerBtn.focus();
    });
    device.on("tokenWillExpire", async () => {
      const fresh = await fetchToken().catch(() => null);
      if (fresh && fresh.token) device.updateToken(fresh.token);
    });
    idleState();
    if (wantRegistered()) device.register();
  }

  // Presence: away unregisters (and the hub stops routing calls to this agent).
  const presence = document.querySelector("[data-presence]");
  if (presence) {
    presence.addEventListener("change", () => {
      if (!device) return;
      if (presence.value === "away") device.unregister();
      else device.register();
    });
  }

  // The socket's screen pop: shown here instead of navigating away (that would drop
  // the ringing call). It may arrive before or after the SDK's "incoming".
  document.addEventListener("hub:call-incoming", (e) => {
    if (!device || !registered) return;
    e.preventDefault();
    const p = e.detail || {};
    const sid = p.call && p.call.provider_id;
    if (sid) pops.set(String(sid), p);
    if (pops.size > 20) pops.delete(pops.keys().next().value);
    if (call && popFor(call) === p) {
      showPop(p);
      if (panel.dataset.state === "ringing") status.textContent = `Incoming call from ${popName.textContent}`;
    }
    else if (call && p.dequeued && takingFromQueue(call)) {
      showPop(p); // the caller the hub took from the queue for this phone
    }
    else if (!call && p.route && p.route.mode === "queue") {
      showPop(p);
      status.textContent = `${popName.textContent} is waiting in the queue`;
    }
  });

  // Click-to-call from a thread: the browser places the call through the TwiML App.
  document.addEventListener("hub:dial", async (e) => {
    if (!device || !registered || call) return;
    e.preventDefault();
    const id = Number(e.detail && e.detail.customer_id);
    const thread = document.querySelector("[data-thread]");
    showPop({ customer_id: id, name: thread ? thread.dataset.customerName : "" });
    setState("connecting", `Calling ${popName.textContent}…`);
    try {
      const sdkCall = await device.connect({ params: { To: "customer", customer_id: String(id) } });
      follow(sdkCall);
      hangupBtn.focus();
    } catch (err) {
      endCall(`Call failed: ${(err && err.message) || "unknown"}`);
    }
  });

  answerBtn.addEventListener("click", () => {
    if (call) call.accept();
  });
  declineBtn.addEventListener("click", () => {
    if (call) call.reject();
  });
  hangupBtn.addEventListener("click", () => {
    if (call) call.disconnect();
  });
  muteBtn.addEventListener("click", () => {
    if (call) call.mute(!call.isMuted());
  });
  nextBtn.addEventListener("click", async () => {
    if (!device || call) return;
    setState("connecting", "Connecting you to the next caller…");
    // The hub says what is next in line: a queued caller (connect to the queue), or a
    // callback (the hub rings this phone, then the customer).
    const res = await hc.postJson("/phone/queue/next");
    const next = res.ok ? await res.json() : null;
    if (!next) {
      endCall(res.status === 409 ? "Nobody is waiting" : `Error ${res.status}`);
      return;
    }
    if (next.kind === "callback") {
      endCall("Calling back: your phone rings first, then the customer's");
      return;
    }
    try {
      follow(await device.connect({ params: { To: "queue" } }));
      hangupBtn.focus();
    } catch (err) {
      endCall(`Call failed: ${(err && err.message) || "unknown"}`);
    }
  });
  // -- hold and transfer (the call's conference, through the hub) ---------------------
  async function callAction(path, data) {
    const res = await hc.postJson(`/phone/calls/${encodeURIComponent(roomCall())}${path}`, data);
    if (res.ok) return res.json();
    let message = `Error ${res.status}`;
    try {
      const body = await res.json();
      if (body.error && body.error.message) message = body.error.message;
    } catch (e) {
      // not JSON
    }
    status.textContent = message;
    return null;
  }
  holdBtn.addEventListener("click", async () => {
    const on = holdBtn.getAttribute("aria-pressed") !== "true";
    holdBtn.disabled = true;
    try {
      if (await callAction("/hold", { hold: on })) {
        holdBtn.setAttribute("aria-pressed", on ? "true" : "false");
        holdBtn.textContent = on ? "Resume" : "Hold";
        setNote(on ? "caller on hold" : "");
      }
    } finally {
      holdBtn.disabled = false;
    }
  });

  const targetSelect = el("select", { id: "transfer-target", name: "target", required: "" });
  const modes = [["warm", "Warm: talk to them first (caller on hold)"],
    ["cold", "Cold: hand over now"], ["three_way", "Three-way: everyone talks"]];
  const modeInputs = modes.map(([value, text], i) => {
    const input = el("input", { type: "radio", name: "mode", value, id: `transfer-${value}` });
    input.checked = i === 0;
    return el("label", { for: input.id }, input, ` ${text}`);
  });
  const transferError = el("p", { class: "error", role: "alert", hidden: true });
  const transferForm = el("form", { method: "dialog", "data-transfer-form": "" },
    el("h2", { text: "Transfer the call" }),
    el("p", {}, el("label", { for: "transfer-target", text: "To " }), targetSelect),
    el("fieldset", {}, el("legend", { text: "How" }), ...modeInputs.flatMap((l) => [l, el("br")])),
    transferError,
    el("p", {}, el("button", { type: "submit", "data-transfer-submit": "", text: "Transfer" }), " ",
      el("button", { type: "button", "data-transfer-cancel": "", text: "Cancel" })));
  const dialog = el("dialog", { "data-transfer-dialog": "", "aria-label": "Transfer the call" },
    transferForm);
  panel.append(dialog);

  transferBtn.addEventListener("click", async () => {
    transferError.hidden = true;
    const res = await fetch("/phone/transfer-targets", { credentials: "same-origin" });
    const data = res.ok ? await res.json() : { agents: [], stores: [] };
    const options = [
      ...data.agents.map((a) => el("option", { value: `agent:${Number(a.id)}`,
        text: a.online ? String(a.name) : `${a.name} (offline)` })),
      ...data.stores.map((s) => el("option", { value: `store:${s.code}`,
        text: `Store: ${s.name}` })),
    ];
    targetSelect.replaceChildren(...options);
    dialog.showModal();
    targetSelect.focus();
  });
  dialog.querySelector("[data-transfer-cancel]").addEventListener("click", () => dialog.close());
  transferForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    const [kind, id] = targetSelect.value.split(/:(.*)/s);
    if (!kind) return;
    const mode = transferForm.querySelector('input[name="mode"]:checked').value;
    const body = kind === "agent" ? { mode, agent_id: Number(id) } : { mode, store: id };
    const done = await callAction("/transfer", body);
    if (!done) {
      transferError.textContent = status.textContent;
      transferError.hidden = false;
      return;
    }
    dialog.close();
    const name = targetSelect.selectedOptions[0].textContent;
    if (mode === "warm") {
      transferring = true;
      holdBtn.setAttribute("aria-pressed", "true");
      holdBtn.textContent = "Resume";
      setState("open", "On call");
      setNote(`talking to ${name}, caller on hold`);
      completeBtn.focus();
    } else if (mode === "three_way") {
      setNote(`three-way with ${name}`);
    } else {
      setNote(`transferred to ${name}`);
    }
  });
  completeBtn.addEventListener("click", async () => {
    if (await callAction("/transfer/complete", {})) {
      transferring = false;
      setState("open", "On call");
      setNote("transfer completed");
    }
  });

  const queueEl = document.querySelector("[data-phone-queue]");
  if (queueEl) {
    // A new count only shows or hides "Take next caller": the status line keeps what it
    // says (the last call's outcome, e.g. "Missed: the caller hung up").
    new MutationObserver(() => {
      if (panel.dataset.state === "ready") setState("ready", status.textContent);
    }).observe(queueEl, { attributes: true, attributeFilter: ["data-waiting", "data-callbacks"] });
  }

  start();
})();

/* Omnihub chat widget. Embed with:
 *   <script src="https://HUB/static/widget.js" data-hub="https://HUB" async></script>
 * Shows business hours ("we reply in ~N minutes", when we open next) and the CSAT rating.
 * Optional data-*: title, fields ("name,email,phone,order_number,reason"), reply-time,
 * user-id + user-hash (verified users), name, email, phone (known answers).
 * Everything lives in a shadow root and this closure: no globals, no host CSS.
 * Protocol: docs/widget.md ("/widget" socket.io namespace). */
(function () {
  "use strict";
  var script = document.currentScript || document.querySelector("script[data-hub][src*='widget.js']");
  if (!script || document.querySelector("[data-omnihub-widget]")) return;
  var cfg = script.dataset;
  var hub = (cfg.hub || new URL(script.src).origin).replace(/\/+$/, "");
  var LABELS = { name: "Name", email: "Email", phone: "Phone", order_number: "Order number", reason: "How can we help?" };
  var fields = (cfg.fields != null ? cfg.fields : "name,email").split(",").map(function (f) { return f.trim(); })
    .filter(function (f) { return LABELS[f]; });
  var replyTime = cfg.replyTime || "within a few hours";
  var storeKey = "omnihub.widget:" + hub;
  var socket = null, online = true, started = false, unread = 0, maxChars = 4000;
  var byId = {}, byClient = {}, typingTimer = 0, sentTyping = 0, idleTimer = 0;
  var hours = null, surveys = {}; // business hours (null: none configured), rating controls

  function stored() { try { return localStorage.getItem(storeKey); } catch (e) { return null; } }
  function store(token) { try { localStorage.setItem(storeKey, token); } catch (e) { /* private mode */ } }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text != null) node.textContent = text;
    return node;
  }

  // -- DOM, inside a shadow root (host CSS cannot reach in) ----------------------------
  var host = el("div");
  host.setAttribute("data-omnihub-widget", "");
  var root = host.attachShadow({ mode: "open" });
  var css = el("link");
  css.rel = "stylesheet";
  css.href = hub + "/static/widget.css";
  var wrap = el("div", "ow");
  wrap.hidden = true; // until the stylesheet is in
  css.onload = css.onerror = function () { wrap.hidden = false; };
  var launcher = el("button", "launcher", "Chat");
  launcher.type = "button";
  launcher.setAttribute("aria-label", "Open chat");
  var badge = el("span", "badge");
  badge.hidden = true;
  launcher.appendChild(badge);
  var panel = el("section", "panel");
  panel.hidden = true;
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", cfg.title || "Chat");
  var head = el("header");
  var title = el("strong", "title", cfg.title || "Chat with us");
  var status = el("span", "status");
  var close = el("button", "close", "\u00d7");
  close.type = "button";
  close.setAttribute("aria-label", "Close chat");
  head.append(title, status, close);
  var notice = el("p", "notice");
  notice.hidden = true;
  var eta = el("p", "eta");
  eta.hidden = true;
  var log = el("ol", "log");
  log.setAttribute("aria-live", "polite");
  var typing = el("p", "typing");
  typing.hidden = true;
  var form = el("form", "composer");
  var prechat = el("fieldset", "prechat");
  var inputs = {};
  var body = el("textarea");
  body.name = "body";
  body.rows = 2;
  body.placeholder = "Write a message\u2026";
  body.setAttribute("aria-label", "Message");
  var send = el("button", "send", "Send");
  send.type = "submit";
  form.append(prechat, body, send);
  var error = el("p", "error");
  error.setAttribute("role", "alert");
  error.hidden = true;
  var foot = el("footer");
  var byPhone = el("button", "handoff", "Continue by phone");
  var bySms = el("button", "handoff", "Continue by SMS");
  var byEmail = el("button", "handoff", "Continue by email");
  byPhone.type = bySms.type = byEmail.type = "button";
  foot.append(byPhone, bySms, byEmail);
  // Verifying a phone (one-time code by SMS) before "Continue by SMS".
  var verify = el("form", "verify");
  verify.hidden = true;
  var vInput = el("input");
  vInput.name = "verify";
  var vButton = el("button", "send verify-send", "Send code");
  vButton.type = "submit";
  verify.append(vInput, vButton);
  panel.append(head, notice, eta, log, typing, error, verify, form, foot);
  wrap.append(panel, launcher);
  root.append(css, wrap);

  function buildPrechat() {
    var typed = {};
    Object.keys(inputs).forEach(function (f) { typed[f] = inputs[f].value; });
    prechat.textContent = "";
    inputs = {};
    var wanted = fields.slice();
    if (away()) ["email", "phone"].forEach(function (f) { if (wanted.indexOf(f) < 0) wanted.push(f); });
    wanted.forEach(function (f) {
      var input = el(f === "reason" ? "textarea" : "input", f);
      input.name = f;
      input.placeholder = LABELS[f];
      input.setAttribute("aria-label", LABELS[f]);
      if (f === "email") input.type = "email";
      if (f === "phone") input.type = "tel";
      input.value = typed[f] || cfg[f] || "";
      prechat.appendChild(input);
      inputs[f] = input;
    });
    prechat.hidden = !wanted.length || started;
  }

  function showError(text) {
    error.textContent = text || "";
    error.hidden = !text;
  }

  // Nobody will answer soon: no agent online, or outside business hours.
  function closed() { return !!hours && !hours.open; }
  function away() { return !online || closed(); }

  function minutes(n) {
    n = Math.max(1, Math.round(n));
    if (n < 90) return "~" + n + (n === 1 ? " minute" : " minutes");
    var h = Math.round(n / 60);
    return "~" + h + " hours";
  }

  function when(iso) {
    var d = new Date(iso);
    if (!iso || isNaN(d.getTime())) return "soon";
    var opts = { weekday: "long", hour: "numeric", minute: "2-digit" };
    if (d.getTime() - Date.now() > 6 * 864e5) { opts.day = "numeric"; opts.month = "long"; }
    return d.toLocaleString(undefined, opts);
  }

  function setOnline(value, h) {
    online = value;
    if (h !== undefined) hours = h;
    status.textContent = closed() ? "Closed" : online ? "Online" : "Offline";
    status.className = "status " + (away() ? "off" : "on");
    notice.hidden = !away();
    notice.textContent = closed()
      ? "We're closed right now. We open again " + when(hours.next_opening) +
        ". Leave your message and your email or phone and we'll reply then."
      : online ? "" : "We're offline right now and usually reply " + replyTime +
        ". Leave your email or phone and we'll get back to you.";
    var soon = !away() && hours && hours.reply_minutes != null;
    eta.hidden = !soon;
    eta.textContent = soon ? "We reply in " + minutes(hours.reply_minutes) : "";
    buildPrechat();
  }

  // -- messages -----------------------------------------------------------------------
  function render(m, quiet) {
    var known = (m.id && byId[m.id]) || (m.client_id && byClient[m.client_id]);
    var item = known || el("li", "msg " + (m.direction === "out" ? "agent" : "me"));
    if (!known) {
      if (m.direction === "out" && m.agent_name) item.appendChild(el("span", "who", m.agent_name));
      item.appendChild(el("span", "text", m.body));
      log.appendChild(item);
      log.scrollTop = log.scrollHeight;
    }
    item.classList.toggle("pending", !m.id);
    if (m.id) byId[m.id] = item;
    if (m.client_id) byClient[m.client_id] = item;
    if (m.direction === "out" && !known && !quiet && panel.hidden) {
      unread += 1;
      badge.textContent = String(unread);
      badge.hidden = false;
    }
    return item;
  }

  function newId() {
    return crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2);
  }

  function submit(event) {
    event.preventDefault();
    var text = body.value.trim();
    if (!text) return;
    if (text.length > maxChars) return showError("Messages are limited to " + maxChars + " characters.");
    var details = {};
    var any = false;
    Object.keys(inputs).forEach(function (f) {
      if (inputs[f].value.trim()) { details[f] = inputs[f].value.trim(); any = true; }
    });
    if (away() && !started && !details.email && !details.phone) {
      return showError("Please leave an email or phone so we can get back to you.");
    }
    showError("");
    var clientId = newId();
    var item = render({ client_id: clientId, direction: "in", body: text });
    body.value = "";
    var payload = { client_id: clientId, body: text };
    if (any && !started) payload.details = details;
    connect();
    sendMessage(payload, item, 0);
  }

  // An ack with retry: true (the hub's database is briefly down) resends the same
  // payload, same client_id (so never a duplicate), after 1 s, 2 s, 4 s … up to 30 s.
  function sendMessage(payload, item, attempt) {
    socket.emit("message", payload, function (ack) {
      if (ack && ack.ok) {
        started = true;
        prechat.hidden = true;
        showError("");
        render({ id: ack.id, client_id: payload.client_id, direction: "in", body: payload.body });
      } else if (ack && ack.retry) {
        showError("Not sent yet — retrying…");
        setTimeout(function () { sendMessage(payload, item, attempt + 1); },
          Math.min(1000 * Math.pow(2, attempt), 30000));
      } else {
        item.classList.add("failed");
        showError((ack && ack.message) || "Your message could not be sent.");
      }
    });
  }

  // -- CSAT: a one-question 1-5 rating after the conversation is resolved ---------------
  function renderSurvey(s) {
    if (surveys[s.survey_id]) return;
    var lo = (s.scale || [1, 5])[0], hi = (s.scale || [1, 5])[1];
    var item = el("li", "msg agent csat");
    var question = el("span", "text", s.question || "How did we do?");
    question.id = "ow-csat-" + s.survey_id;
    var group = el("div", "rating");
    group.setAttribute("role", "group");
    group.setAttribute("aria-labelledby", question.id);
    for (var n = lo; n <= hi; n++) {
      var button = el("button", "score", String(n));
      button.type = "button";
      button.setAttribute("aria-label", n + " out of " + hi + (n === lo ? ", poor" : n === hi ? ", great" : ""));
      button.addEventListener("click", rate.bind(null, s.survey_id, n, group));
      group.appendChild(button);
    }
    item.append(question, group);
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
    surveys[s.survey_id] = item;
    if (panel.hidden) { unread += 1; badge.textContent = String(unread); badge.hidden = false; }
  }

  function rated(surveyId, score) {
    var item = surveys[surveyId];
    if (!item) return;
    var group = item.querySelector(".rating");
    if (group) group.remove();
    if (!item.querySelector(".thanks")) item.appendChild(el("span", "thanks", "Thanks! You rated us " + score + " out of 5."));
  }

  function rate(surveyId, score, group) {
    var buttons = group.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    socket.emit("csat", { score: score, survey_id: surveyId }, function (ack) {
      if (ack && ack.ok) { showError(""); return rated(surveyId, ack.score); }
      buttons.forEach(function (b) { b.disabled = false; });
      showError((ack && ack.message) || "Your rating could not be sent.");
    });
  }

  function onCsat(s) {
    if (s.answered) rated(s.survey_id, s.score); else renderSurvey(s);
  }

  function onTyping(data) {
    clearTimeout(typingTimer);
    typing.textContent = (data.name || "An agent") + " is typing\u2026";
    typing.hidden = !data.typing;
    if (data.typing) typingTimer = setTimeout(function () { typing.hidden = true; }, 8000);
  }

  function noteTyping() {
    if (!socket || !started) return;
    var now = Date.now();
    if (now - sentTyping > 2500) { sentTyping = now; socket.emit("typing", { typing: true }); }
    clearTimeout(idleTimer);
    idleTimer = setTimeout(function () { sentTyping = 0; socket.emit("typing", { typing: false }); }, 3000);
  }

  // step: "phone" or "email" (ask for the address), then "code".
  function askVerify(step) {
    verify.hidden = false;
    verify.dataset.step = step;
    if (step !== "code") verify.dataset.kind = step;
    var email = verify.dataset.kind === "email";
    if (step === "phone") vInput.value = (inputs.phone && inputs.phone.value) || cfg.phone || "";
    else if (step === "email") vInput.value = (inputs.email && inputs.email.value) || cfg.email || "";
    else vInput.value = "";
    vInput.type = step === "phone" ? "tel" : step === "email" ? "email" : "text";
    vInput.placeholder = step === "phone" ? "Your mobile number"
      : step === "email" ? "Your email address"
      : email ? "6-digit code we emailed you" : "6-digit code we texted you";
    vInput.setAttribute("aria-label", vInput.placeholder);
    vButton.textContent = step === "code" ? "Verify" : "Send code";
    vInput.focus();
  }

  function submitVerify(event) {
    event.preventDefault();
    var value = vInput.value.trim();
    if (!value) return;
    var addressStep = verify.dataset.step !== "code";
    var kind = verify.dataset.kind || "phone";
    var name = addressStep ? "verify" : "verify_code";
    var data = addressStep ? { kind: kind, address: value } : { code: value };
    socket.emit(name, data, function (ack) {
      if (!ack || !ack.ok) return showError((ack && ack.message) || "Could not verify.");
      showError("");
      if (addressStep) return askVerify("code");
      verify.hidden = true;
      handoff(kind === "email" ? "email" : "sms");
    });
  }

  function handoff(to) {
    connect();
    socket.emit("handoff", { to: to }, function (ack) {
      if (ack && ack.error === "unverified_phone") return askVerify("phone");
      if (ack && ack.error === "unverified_email") return askVerify("email");
      if (!ack || !ack.ok) return showError((ack && ack.message) || "Not available right now.");
      showError("");
      var text = to === "phone"
        ? "Call " + ack.number + " and enter code " + ack.code + " \u2014 we'll have this chat in front of us."
        : to === "email"
          ? "We've emailed you at " + ack.address + " \u2014 reply there to continue."
          : "We've texted you from " + ack.number + " \u2014 reply there to continue.";
      render({ direction: "out", body: text }).classList.add("system");
    });
  }

  // -- connection: the official socket.io client, loaded without leaking `io` ------------
  function loadClient(done) {
    var had = Object.prototype.hasOwnProperty.call(window, "io");
    var previous = window.io;
    var tag = el("script");
    tag.src = hub + "/static/vendor/socket.io.min.js";
    tag.async = true;
    tag.onload = function () {
      var io = window.io;
      if (had) window.io = previous; else delete window.io;
      tag.remove();
      done(io);
    };
    tag.onerror = function () { showError("Chat is unavailable right now."); };
    document.head.appendChild(tag);
  }

  function connect() {
    if (socket) return;
    var auth = { visitor_token: stored() || undefined };
    ["user_id", "user_hash", "name", "email", "phone"].forEach(function (k) {
      var v = cfg[k.replace(/_(\w)/, function (_, c) { return c.toUpperCase(); })];
      if (v) auth[k] = v;
    });
    socket = { queue: [], emit: function () { this.queue.push(arguments); } };
    loadClient(function (io) {
      var queued = socket.queue;
      socket = io(hub + "/widget", { auth: auth, transports: ["websocket", "polling"] });
      socket.on("session", function (s) {
        store(s.visitor_token);
        auth.visitor_token = s.visitor_token;
        maxChars = s.max_message_chars || maxChars;
        body.maxLength = maxChars;
        started = started || s.messages.length > 0;
        setOnline(s.online, s.hours);
        // A survey question shows as the rating control while pending, never as text.
        s.messages.forEach(function (m) { if (!m.csat) render(m, true); });
        if (s.csat) renderSurvey(s.csat);
        if (!panel.hidden) clearUnread();
        showError("");
      });
      socket.on("message", function (m) { render(m); });
      socket.on("typing", onTyping);
      socket.on("csat", onCsat);
      socket.on("connect_error", function (err) { showError(err && err.message); });
      queued.forEach(function (args) { socket.emit.apply(socket, args); });
    });
  }

  function clearUnread() {
    unread = 0;
    badge.hidden = true;
  }

  function toggle(open) {
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    if (open) {
      var fresh = !socket;
      connect();
      if (!fresh) socket.emit("status", {}, function (ack) { if (ack && ack.ok) setOnline(ack.online, ack.hours); });
      clearUnread();
      body.focus();
    }
  }

  launcher.addEventListener("click", function () { toggle(panel.hidden); });
  close.addEventListener("click", function () { toggle(false); });
  form.addEventListener("submit", submit);
  verify.addEventListener("submit", submitVerify);
  body.addEventListener("input", noteTyping);
  body.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
  });
  byPhone.addEventListener("click", function () { handoff("phone"); });
  bySms.addEventListener("click", function () { handoff("sms"); });
  byEmail.addEventListener("click", function () { handoff("email"); });
  status.textContent = "Connecting\u2026";
  buildPrechat();
  (document.body || document.documentElement).appendChild(host);
  if (stored()) connect(); // a returning visitor gets replies and its history
})();

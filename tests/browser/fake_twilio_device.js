// A test double of the Twilio Voice JavaScript SDK's public interface (Device and Call),
// installed before any page script runs: the vendored SDK keeps an existing
// `Twilio.Device` (`Twilio.Device = Twilio.Device || Voice.Device`), so the console's
// softphone drives this double instead of Twilio's signalling, which tests cannot reach.
// Tests ring it and read what the softphone did through `window.fakeTwilio`.
(function () {
  const log = [];

  class Emitter {
    constructor() { this._handlers = {}; }
    on(name, fn) { (this._handlers[name] = this._handlers[name] || []).push(fn); return this; }
    off(name, fn) { this._handlers[name] = (this._handlers[name] || []).filter((h) => h !== fn); return this; }
    emit(name, ...args) { (this._handlers[name] || []).slice().forEach((fn) => fn(...args)); }
  }

  class FakeCall extends Emitter {
    constructor(direction, parameters, customParameters) {
      super();
      this.direction = direction;
      this.parameters = parameters;
      this.customParameters = new Map(Object.entries(customParameters || {}));
      this._muted = false;
      this._status = direction === "INCOMING" ? "pending" : "connecting";
    }
    status() { return this._status; }
    isMuted() { return this._muted; }
    accept() { log.push("accept"); this._status = "open"; this.emit("accept", this); }
    reject() { log.push("reject"); this._status = "closed"; this.emit("reject"); }
    ignore() { log.push("ignore"); this._status = "closed"; }
    disconnect() { log.push("disconnect"); this._status = "closed"; this.emit("disconnect", this); }
    mute(shouldMute) {
      const muted = shouldMute !== false;
      log.push(muted ? "mute" : "unmute");
      this._muted = muted;
      this.emit("mute", muted, this);
    }
    sendDigits(digits) { log.push(`digits:${digits}`); }
    // Test controls: what Twilio would do.
    remoteHangup() { this._status = "closed"; this.emit("disconnect", this); }
    callerCancels() { this._status = "closed"; this.emit("cancel"); }
  }

  class FakeDevice extends Emitter {
    constructor(token, options) {
      super();
      this.token = token;
      this.options = options;
      this.state = "unregistered";
      this.calls = [];
      window.fakeTwilio.devices.push(this);
    }
    register() {
      log.push("register");
      this.state = "registered";
      setTimeout(() => this.emit("registered"), 0);
      return Promise.resolve();
    }
    unregister() {
      log.push("unregister");
      this.state = "unregistered";
      setTimeout(() => this.emit("unregistered"), 0);
      return Promise.resolve();
    }
    updateToken(token) { log.push("updateToken"); this.token = token; }
    destroy() { log.push("destroy"); this.state = "destroyed"; }
    connect(options) {
      const params = (options && options.params) || {};
      log.push(`connect:${JSON.stringify(params)}`);
      const call = new FakeCall("OUTGOING", { CallSid: `CAfake${this.calls.length}` }, params);
      this.calls.push(call);
      setTimeout(() => call.accept(), 0);
      return Promise.resolve(call);
    }
  }
  FakeDevice.State = { Registered: "registered", Unregistered: "unregistered" };

  window.fakeTwilio = {
    log,
    devices: [],
    device() { return this.devices[this.devices.length - 1]; },
    // An incoming call to the registered device, as `<Dial><Client>` would ring it.
    ring(from, customParameters) {
      const device = this.device();
      const call = new FakeCall("INCOMING", { From: from, CallSid: "CAchild" }, customParameters);
      device.calls.push(call);
      device.emit("incoming", call);
      return call;
    },
    lastCall() { const d = this.device(); return d.calls[d.calls.length - 1]; },
  };
  window.Twilio = { Device: FakeDevice, Call: FakeCall };
})();

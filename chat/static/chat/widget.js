// The assistant widget: WebSocket first, POST /api/v1/chat/answer when sockets fail.
// Every text from the server goes in through textContent, never innerHTML.
(function () {
  "use strict";

  function start(root) {
    var data = root.dataset;
    var panel = root.querySelector("#chat-panel");
    var launcher = root.querySelector("[data-chat-open]");
    var log = root.querySelector("[data-chat-log]");
    var status = root.querySelector("[data-chat-status]");
    var form = root.querySelector("[data-chat-form]");
    var input = form.querySelector("textarea");
    var handoff = root.querySelector("[data-chat-handoff]");
    var csat = root.querySelector("[data-chat-csat]");
    var socket = null;
    var socketReady = false;
    var failures = 0;
    var wanted = false;
    var connecting = false;

    function el(tag, cls, text) {
      var node = document.createElement(tag);
      if (cls) node.className = cls;
      if (text !== undefined && text !== null) node.textContent = text;
      return node;
    }

    function whoLabel(sender, name) {
      if (sender === "user") return data.textYou;
      if (sender === "adviser") return name || data.textAdviser;
      if (sender === "bot") return data.textAssistant;
      return "";
    }

    function add(sender, text, extra) {
      extra = extra || {};
      var item = el("li", "from-" + sender);
      var who = whoLabel(sender, extra.name);
      if (who) item.appendChild(el("span", "chat-who", who));
      item.appendChild(el("span", "chat-text", text));
      if (extra.suggestions && extra.suggestions.length) {
        var list = el("div", "chat-suggestions");
        extra.suggestions.forEach(function (s) {
          var b = el("button", "", s.question);
          b.type = "button";
          b.addEventListener("click", function () { ask(s.question); });
          list.appendChild(b);
        });
        item.appendChild(list);
      }
      if (sender === "bot" && extra.messageId && extra.kind === "answer") {
        item.appendChild(rating(extra.messageId, extra.feedback));
      }
      log.appendChild(item);
      log.scrollTop = log.scrollHeight;
      return item;
    }

    function rating(messageId, current) {
      var box = el("div", "chat-rate");
      [["up", "👍", data.textHelpful], ["down", "👎", data.textUnhelpful]].forEach(function (opt) {
        var b = el("button", "", opt[1]);
        b.type = "button";
        b.setAttribute("aria-label", opt[2]);
        b.setAttribute("aria-pressed", current === opt[0] ? "true" : "false");
        b.addEventListener("click", function () {
          if (!send({ type: "feedback", message_id: messageId, value: opt[0] })) return;
          box.querySelectorAll("button").forEach(function (x) { x.setAttribute("aria-pressed", "false"); });
          b.setAttribute("aria-pressed", "true");
        });
        box.appendChild(b);
      });
      return box;
    }

    function setStatus(text) { status.textContent = text || ""; }

    function send(frame) {
      if (!socketReady) return false;
      socket.send(JSON.stringify(frame));
      return true;
    }

    var lastAsked = "";

    function showHandoff() {
      handoff.hidden = false;
      var contact = handoff.querySelector("[name=contact]");
      if (!contact.value && data.contact) contact.value = data.contact;
      var topic = handoff.querySelector("[name=topic]");
      // The question just asked is what the person should know about first.
      if (!topic.value && lastAsked) topic.value = lastAsked.slice(0, 200);
      topic.focus();
    }

    function hideHandoff() {
      handoff.hidden = true;
      input.focus();
    }

    function onAnswer(msg) {
      add("bot", msg.reply, {
        suggestions: msg.type === "clarify" ? msg.suggestions : [],
        messageId: msg.message_id, kind: msg.type,
      });
      if (msg.type === "handoff") showHandoff();
    }

    function onState(msg) {
      if (msg.state === "queued") {
        setStatus(msg.ticket ? data.textTicket : data.textQueue + " " + msg.queue_position);
      } else if (msg.state === "open") {
        setStatus("");
      } else if (msg.state === "resolved") {
        setStatus(data.textEnded);
        csat.hidden = false;
      }
    }

    function receive(event) {
      var msg;
      try { msg = JSON.parse(event.data); } catch (e) { return; }
      switch (msg.type) {
        case "history":
          log.textContent = "";
          (msg.messages || []).forEach(function (m) {
            add(m.sender, m.text, {
              name: m.name, messageId: m.message_id, kind: m.kind, feedback: m.feedback,
              suggestions: m.kind === "clarify" ? m.suggestions : [],
            });
          });
          break;
        case "answer": case "clarify": case "fallback": case "handoff":
          onAnswer(msg); break;
        case "system": add("system", msg.text); break;
        case "handoff_state": onState(msg); break;
        case "adviser_joined": add("system", data.textJoined + " " + msg.name); break;
        case "adviser_left": add("system", data.textLeft); break;
        case "adviser_message": add("adviser", msg.text, { name: msg.name }); break;
        case "typing": setStatus(data.textTyping); window.setTimeout(function () { setStatus(""); }, 3000); break;
        case "csat_saved": csat.hidden = true; setStatus(data.textThanks); break;
        case "error": add("system", msg.message); break;
      }
    }

    function connect() {
      // The server found the channel layer down: ask over HTTP, say live chat is off.
      if (data.live === "0" || !("WebSocket" in window)) { setStatus(data.textOffline); return; }
      var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
      socket = new WebSocket(scheme + window.location.host + data.wsPath);
      socket.addEventListener("open", function () { socketReady = true; failures = 0; setStatus(""); });
      socket.addEventListener("message", receive);
      socket.addEventListener("close", function (event) {
        socketReady = false;
        if (event.code === 4008 || event.code === 4003) return;
        failures += 1;
        if (failures > 3) setStatus(data.textOffline);
        // Back off up to half a minute; reconnecting replays the history.
        var delay = Math.min(30000, 1000 * Math.pow(2, failures - 1));
        if (wanted) window.setTimeout(connect, delay);
      });
    }

    function askOverHttp(text) {
      var headers = { "Content-Type": "application/json", "Accept": "application/json" };
      fetch(data.answerUrl, {
        method: "POST", headers: headers, credentials: "omit",
        body: JSON.stringify({ text: text }),
      }).then(function (r) { return r.json(); }).then(function (body) {
        if (body.kind) { body.type = body.kind; onAnswer(body); }
        else if (body.text) { add("system", body.text.join(" ")); }
        else if (body.detail) { add("system", body.detail); }
      }).catch(function () { setStatus(data.textOffline); });
    }

    function ask(text) {
      text = (text || "").trim();
      if (!text) return;
      lastAsked = text;
      add("user", text);
      if (!send({ type: "message", text: text })) askOverHttp(text);
    }

    function open() {
      panel.hidden = false;
      launcher.setAttribute("aria-expanded", "true");
      wanted = true;
      if (!socket && !connecting) {
        connecting = true;
        // A session cookie first, so an anonymous conversation survives reconnects.
        fetch(data.sessionUrl, { credentials: "same-origin" })
          .catch(function () { return null; })
          .then(function () { connect(); });
      }
      input.focus();
    }

    function close() {
      panel.hidden = true;
      launcher.setAttribute("aria-expanded", "false");
      launcher.focus();
    }

    launcher.addEventListener("click", function () { if (panel.hidden) open(); else close(); });
    root.querySelector("[data-chat-close]").addEventListener("click", close);
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { close(); return; }
      if (event.key !== "Tab") return;
      // Keep Tab inside the open panel.
      var items = Array.prototype.filter.call(
        panel.querySelectorAll("button, textarea, input"),
        function (x) { return !x.disabled && x.offsetParent !== null; }
      );
      if (!items.length) return;
      var first = items[0], last = items[items.length - 1];
      if (event.shiftKey && document.activeElement === first) { last.focus(); event.preventDefault(); }
      else if (!event.shiftKey && document.activeElement === last) { first.focus(); event.preventDefault(); }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      ask(input.value);
      input.value = "";
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
    });
    var lastTyping = 0;
    input.addEventListener("input", function () {
      var now = Date.now();
      if (now - lastTyping > 3000) { lastTyping = now; send({ type: "typing" }); }
    });
    root.querySelector("[data-chat-person]").addEventListener("click", showHandoff);
    root.querySelector("[data-chat-handoff-cancel]").addEventListener("click", hideHandoff);
    handoff.addEventListener("submit", function (event) {
      event.preventDefault();
      if (send({
        type: "handoff",
        topic: handoff.querySelector("[name=topic]").value,
        contact: handoff.querySelector("[name=contact]").value,
      })) handoff.hidden = true;
      else setStatus(data.textOffline);
    });
    csat.querySelectorAll("[data-csat]").forEach(function (b) {
      b.addEventListener("click", function () { send({ type: "csat", score: parseInt(b.dataset.csat, 10) }); });
    });
  }

  function boot() {
    var root = document.getElementById("chat-widget");
    if (root) start(root);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();

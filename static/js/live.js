/* Tischrunde live client, shared by every page.
 *
 * Connects with the page's role, resyncs after every (re)connect from the
 * last seq up to which it has every change, buffers live changes until that
 * resync is done, and applies changes in seq order. Socket.IO delivers at most
 * once, so this replay is what makes a reconnecting screen whole again; the same
 * question, asked every boot.catch_up seconds, finds a change that never came.
 * Written for old phone browsers: no modules, no async/await, no ?. operator.
 */
(function () {
  "use strict";

  var ACK_TIMEOUT = 8000;

  function readBoot() {
    return JSON.parse(document.getElementById("boot").textContent);
  }

  /* A random UUID v4; crypto.randomUUID needs https, venue servers are plain http. */
  function uuid4() {
    var bytes = new Uint8Array(16);
    if (window.crypto && window.crypto.getRandomValues) {
      window.crypto.getRandomValues(bytes);
    } else {
      for (var i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  /* Build an element: el("li", {class: "card"}, [child, "text"]). Text is always text, never HTML. */
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") node.textContent = attrs[key];
      else if (key.indexOf("on") === 0) node.addEventListener(key.slice(2), attrs[key]);
      else if (attrs[key] !== null && attrs[key] !== undefined && attrs[key] !== false) node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  /* The one client-side state of a page, as the server's views give it (facilitation/views.py).
   * Pages render from it; they never keep their own copy of cards or results. */
  function emptyState() {
    return { event: null, tables: [], questions: [], cards: {}, results: {}, tallies: {}, mine: {}, myVotes: [], myReactions: [] };
  }

  /* The values of a map by id (state.cards, state.results), in key order. */
  function values(map) {
    return Object.keys(map).map(function (key) { return map[key]; });
  }

  /* The name of the table with this id among tables, or "". */
  function tableName(tables, id) {
    var table = tables.filter(function (t) { return t.id === id; })[0];
    return table ? table.name : "";
  }

  function byId(list) {
    var out = {};
    list.forEach(function (item) { out[item.id] = item; });
    return out;
  }

  /* Fill a state from a sync snapshot, keeping the objects pages hold on to. */
  function loadSnapshot(state, snap) {
    state.event = snap.event;
    state.tables = snap.tables;
    state.questions = snap.questions;
    state.cards = byId(snap.cards);
    state.results = byId(snap.results);
    state.tallies = snap.tallies || {};
    state.mine = byId(snap.mine || []);
    state.myVotes = (snap.my_votes || []).slice();
    state.myReactions = (snap.my_reactions || []).slice();
  }

  function replaceIn(list, item) {
    for (var i = 0; i < list.length; i++) if (list[i].id === item.id) list[i] = item;
  }

  /* Apply one change: a card without text is a tombstone (hidden for this audience, or
   * withdrawn) and goes, but for a veiled private card; a deleted result goes; everything else replaces its thing by id.
   * tests/test_views.py runs this function under Node against fresh snapshots on the server. */
  function applyChange(state, change) {
    if (change.card) {
      var card = change.card;
      // A veiled private card has no words but is kept: the wall counts what is being written.
      if (card.text !== undefined || card.status === "private") state.cards[card.id] = card; else delete state.cards[card.id];
      if (state.mine[card.id]) {
        if (card.status === "withdrawn") delete state.mine[card.id];
        else state.mine[card.id] = Object.assign({}, state.mine[card.id], card);
      }
    } else if (change.result) {
      if (change.result.status === "deleted") delete state.results[change.result.id];
      else state.results[change.result.id] = change.result;
    } else if (change.event) {
      state.event = change.event;
    } else if (change.table) {
      replaceIn(state.tables, change.table);
    } else if (change.question) {
      replaceIn(state.questions, change.question);
    } else if (change.tally) {
      state.tallies[change.tally.result_id] = change.tally.votes;
    }
  }

  /* This phone's secret for an event (128 random bits, made once, kept in localStorage): the
   * server knows the cards' author by it even when the session cookie has expired. */
  function deviceSecret(eventId) {
    var key = "tischrunde:device:" + eventId;
    try {
      var secret = localStorage.getItem(key);
      if (!/^[0-9a-f]{32}$/.test(secret || "")) {
        var bytes = new Uint8Array(16);
        window.crypto.getRandomValues(bytes);
        secret = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
        localStorage.setItem(key, secret);
      }
      return secret;
    } catch (e) {
      return null; // no storage (a private window): the cookie alone says who this is
    }
  }

  /* connect(boot, handlers): keeps the state; calls handlers.snapshot(state) after a fresh
   * snapshot, handlers.change(change, state) after each change is applied to it,
   * handlers.ready(), handlers.status(text, ok). */
  function connect(boot, handlers) {
    var state = emptyState();
    var lastSeq = 0;   // the newest change applied
    var sureSeq = 0;   // every change up to this one is applied (the last sync said so)
    var synced = false;
    var buffering = false;
    var syncRound = 0;
    var buffered = [];
    var strings = boot.strings || {};
    var auth = { event: boot.event, role: boot.role };
    if (boot.table) auth.table = boot.table;
    if (boot.role === "participant") {
      var device = deviceSecret(boot.event);
      if (device) auth.device = device;
    }
    // WebSocket first (two round trips fewer than starting with long-polling: on a 300 ms
    // venue Wi-Fi that is 0.6 s); where WebSockets are blocked, long-polling takes over.
    var socket = io({ auth: auth, reconnectionDelayMax: 5000, transports: ["websocket", "polling"], tryAllTransports: true });

    function status(text, ok) { if (handlers.status) handlers.status(text, ok); }

    function applyNow(change) {
      applyChange(state, change);
      handlers.change(change, state);
    }

    function apply(change) {
      if (change.seq <= lastSeq) return;
      lastSeq = change.seq;
      applyNow(change);
    }

    /* A sync that failed or timed out: drop the connection and let Socket.IO retry. */
    function retry(err, res) {
      if (err || !res || !res.ok) { socket.disconnect().connect(); return true; }
      return false;
    }

    /* A large snapshot comes in pages (views.SNAPSHOT_PAGE cards each): fetch the rest. */
    function fetchPages(snap, round, done) {
      if (!snap.more) { done(); return; }
      socket.timeout(ACK_TIMEOUT).emit("sync", { page: snap.more }, function (err, res) {
        if (round !== syncRound || retry(err, res)) return;
        snap.cards = snap.cards.concat(res.cards);
        snap.more = res.more;
        fetchPages(snap, round, done);
      });
    }

    /* Ask for everything changed since sureSeq, the seq up to which this screen is known to
     * have every change it may see. Live changes only move lastSeq: one that never came (the
     * queue was down, the server died between storing and sending) is older than the last one
     * seen, and only a question from sureSeq finds it. The answer gives each thing changed
     * since then as it is now, in seq order, so applying all of them, also those seen live,
     * leaves this screen as the server is. Live changes are buffered while the answer is out. */
    function askSince(round) {
      buffering = true;
      var sentAt = Date.now();
      socket.timeout(ACK_TIMEOUT).emit("sync", { since: sureSeq }, function (err, res) {
        if (round !== syncRound || retry(err, res)) return;
        // The server's clock, not this device's: countdowns agree across screens.
        clockOffset = res.now * 1000 - (sentAt + Date.now()) / 2;
        if (!res.snapshot) {
          res.changes.forEach(applyNow);
          lastSeq = Math.max(lastSeq, res.seq);
          sureSeq = res.seq;
          caughtUp();
          return;
        }
        // Changes that come while the pages load are buffered and applied after the last
        // page: each carries its thing's whole state, so the state ends as the server's.
        fetchPages(res.snapshot, round, function () {
          lastSeq = sureSeq = res.snapshot.seq;
          loadSnapshot(state, res.snapshot);
          handlers.snapshot(state);
          caughtUp();
        });
      });
    }

    function resync() {
      synced = false;
      // A reconnect starts a new round: answers to an older one (late, or timed out on the
      // old connection) must neither apply nor cut the new connection.
      askSince(++syncRound);
    }

    /* The periodic question (boot.catch_up seconds): what did this screen miss without knowing? */
    function catchUp() {
      if (synced && !buffering && socket.connected) askSince(syncRound);
    }

    function caughtUp() {
      buffered.sort(function (a, b) { return a.seq - b.seq; }).forEach(apply);
      buffered = [];
      buffering = false;
      if (!synced) {
        synced = true;
        status(strings.online || "", true);
        if (handlers.ready) handlers.ready();
      }
    }

    socket.on("connect", resync);
    Object.keys(handlers.events || {}).forEach(function (name) { socket.on(name, handlers.events[name]); });
    function receive(change) {
      if (synced && !buffering) apply(change); else buffered.push(change);
    }
    socket.on("change", receive);
    // Phones get their table's changes batched, in seq order (facilitation/feed.py).
    socket.on("changes", function (changes) { changes.forEach(receive); });
    function stop(text) {
      socket.io.reconnection(false);
      socket.disconnect();
      status(text, false);
    }

    // The server's message queue came back: changes from other processes may have passed this
    // screen by; sureSeq predates them, so asking from it finds them now, not at the next catch-up.
    socket.on("resync", resync);
    if (boot.catch_up > 0) setInterval(catchUp, boot.catch_up * 1000);
    // The server cannot store right now (a full disk): the lead and moderators see it at once.
    socket.on("trouble", function (trouble) { status(trouble.message, false); });
    socket.on("deleted", function () {
      // The lead deleted the event: nothing more to wait for.
      stop(strings.event_deleted || "");
    });
    socket.on("revoked", function () {
      // This device's secret link was replaced: only the new link opens the page again.
      stop(strings.revoked || "");
      offerRejoin(strings.rejoin);
    });
    socket.on("disconnect", function () {
      synced = false;
      status(strings.offline || "offline", false);
    });
    socket.on("connect_error", function (err) {
      // A refusal from the server carries data = {code, message}; without data it is the network.
      var data = err && err.data;
      if (!data || !data.code) { status(strings.offline || "offline", false); return; }
      status(data.message, false);
      if (data.code === "not_authenticated" && boot.role === "participant" && reloadOnce()) return;
      offerRejoin(strings.rejoin);
    });

    /* send(name, payload) -> Promise of the ack; rejects only on timeout/disconnect. */
    function send(name, payload) {
      return new Promise(function (resolve, reject) {
        if (!socket.connected) { reject(new Error("offline")); return; }
        socket.timeout(ACK_TIMEOUT).emit(name, payload, function (err, res) {
          if (err) reject(err); else resolve(res);
        });
      });
    }

    return {
      send: send,
      socket: socket,
      state: state,
      isReady: function () { return synced && socket.connected; },
      lastSeq: function () { return lastSeq; }
    };
  }

  /* A phone whose cookie expired gets a new one from a page view: reload, but at most once a minute. */
  function reloadOnce() {
    var key = "tischrunde:reloaded";
    var last = 0;
    try { last = parseInt(sessionStorage.getItem(key) || "0", 10); } catch (e) { return false; }
    if (Date.now() - last < 60000) return false;
    try { sessionStorage.setItem(key, String(Date.now())); } catch (e) { return false; }
    window.location.reload();
    return true;
  }

  /* A button beside the status line that loads the page again (after a refusal). */
  function offerRejoin(label) {
    var node = document.getElementById("status");
    if (!node || document.getElementById("rejoin")) return;
    var button = el("button", { type: "button", id: "rejoin", "class": "link-button", text: label || "↻",
      onclick: function () { window.location.reload(); } });
    node.parentNode.insertBefore(button, node.nextSibling);
  }

  /* A card's words for staff and the wall: the original (in its language), the German
   * translation under it, and badges for its language and for a card taken at the table. */
  function cardWords(card, strings, options) {
    var foreign = card.lang && card.lang !== "de";
    var badges = !options || options.badges !== false;
    return [
      el("p", { "class": "card-text", dir: "auto", lang: card.lang || null, text: card.text }),
      card.translation ? el("p", { "class": "card-translation", lang: "de", dir: "ltr" }, [
        el("span", { "class": "visually-hidden", text: (strings.translation || "") + ": " }), card.translation
      ]) : null,
      card.name ? el("p", { "class": "card-name", dir: "auto", text: card.name }) : null,
      badges && (foreign || card.source === "table") ? el("p", { "class": "card-badges" }, [
        foreign ? el("span", { "class": "badge lang", lang: card.lang, text: (strings.language_names || {})[card.lang] || card.lang }) : null,
        foreign && !card.translation ? el("span", { "class": "badge pending", text: strings.untranslated || "" }) : null,
        card.source === "table" ? el("span", { "class": "badge", text: strings.taken_at_table || "" }) : null
      ]) : null
    ];
  }

  /* Where the keyboard focus is, in words that survive a redraw: an element id, or the
   * card/result it belongs to, the list it is in, and which of its controls it is. */
  var FOCUSABLE = "button, input, select, textarea, a[href], summary";
  var lastFocus = null;

  function focusKey(node) {
    if (!node || node === document.body || !node.closest) return null;
    var key = { start: node.selectionStart, end: node.selectionEnd };
    if (node.id) { key.id = node.id; return key; }
    var holder = node.closest("[data-card],[data-result]");
    if (!holder) return null;
    key.attr = holder.hasAttribute("data-card") ? "data-card" : "data-result";
    key.value = holder.getAttribute(key.attr);
    var scope = holder.parentNode && holder.parentNode.closest ? holder.parentNode.closest("[id]") : null;
    key.scope = scope ? scope.id : null;
    key.index = Array.prototype.indexOf.call(holder.querySelectorAll(FOCUSABLE), node);
    return key;
  }

  function findFocus(key) {
    if (key.id) return document.getElementById(key.id);
    var selector = "[" + key.attr + "='" + key.value + "']";
    var scope = key.scope && document.getElementById(key.scope);
    // The same card may stand in two lists (queue and column): stay in the list it was in;
    // a card that moved (a keyboard move) is followed to where it went.
    var holder = (scope && scope.querySelector(selector)) || document.querySelector(selector);
    if (!holder) return null;
    return holder.querySelectorAll(FOCUSABLE)[Math.max(0, key.index)] || holder.querySelector(FOCUSABLE);
  }

  /* Run a redraw and put the keyboard focus back where it was (WCAG 2.4.3): live changes
   * and the tablet's own moves never throw a keyboard or screen-reader user to the top. */
  function keepFocus(redraw) {
    var active = document.activeElement;
    var key = focusKey(active) || (!active || active === document.body ? lastFocus : null);
    redraw();
    if (!key) return;
    var again = findFocus(key);
    if (again && again !== document.activeElement) {
      again.focus({ preventScroll: true });
      if (typeof key.start === "number" && again.setSelectionRange) {
        try { again.setSelectionRange(key.start, key.end); } catch (e) { /* not a text field */ }
      }
    }
  }

  document.addEventListener("focusin", function (ev) { lastFocus = focusKey(ev.target) || lastFocus; });

  /* Dots on a result: the phones' live count plus those counted on paper. */
  /* Results in ranking order, views.ranking's rule: most dots first (dotsOf(result), as the
   * page knows them), at equal dots the result made first, then by id. */
  function ranking(list, dotsOf) {
    return list.slice().sort(function (a, b) {
      return dotsOf(b) - dotsOf(a) || a.created_at - b.created_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    });
  }

  function dots(result, tallies) {
    return (tallies[result.id] || 0) + (result.paper_votes || 0);
  }

  /* A thing's wording in the reader's language (i18n {lang: text}), or '' when it has none. */
  function localText(thing, lang) {
    return lang && lang !== "de" && thing && thing.i18n && thing.i18n[lang] ? thing.i18n[lang] : "";
  }

  /* Replace a card's list item by an inline edit form; onSave(text) gets the trimmed, non-empty text. */
  /* options.lang / options.label: a translation is edited in German, and labelled as such. */
  function editCard(item, text, strings, maxLength, onSave, onCancel, options) {
    options = options || {};
    var area = el("textarea", { rows: 3, maxlength: maxLength, dir: "auto", lang: options.lang || null, "aria-label": options.label || strings.edit });
    area.value = text;
    var form = el("form", { "class": "edit-form" }, [
      area,
      el("button", { type: "submit", text: strings.save }),
      el("button", { type: "button", "class": "link-button", text: strings.cancel, onclick: onCancel })
    ]);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var value = area.value.trim();
      if (value) onSave(value);
    });
    item.innerHTML = "";
    item.appendChild(form);
    area.focus();
  }

  var clockOffset = 0;

  /* Now on the server's clock, in seconds. */
  function serverNow() { return (Date.now() + clockOffset) / 1000; }

  /* Seconds left on a run timer {duration, started_at, elapsed}. */
  function remaining(timer) {
    // Clamped: a clock estimate a few ms early must not show more time than the round has.
    var elapsed = timer.elapsed + (timer.started_at !== null && timer.started_at !== undefined ? Math.max(0, serverNow() - timer.started_at) : 0);
    return Math.max(0, timer.duration - elapsed);
  }

  /* Digits as the reader writes them: Persian digits in Farsi (۰۱۲…), else as they are. */
  var PERSIAN = "۰۱۲۳۴۵۶۷۸۹";
  var pageLang = document.documentElement.getAttribute("lang");
  function digits(text) {
    if (pageLang !== "fa") return String(text);
    return String(text).replace(/[0-9]/g, function (d) { return PERSIAN.charAt(+d); });
  }

  /* A counted phrase in the page language: forms by CLDR plural category (web.plural_forms). */
  function plural(forms, n) {
    var category = "other";
    try { category = new Intl.PluralRules(pageLang || undefined).select(n); } catch (e) { /* old browser: 'other' */ }
    var template = forms[category] || forms.other || "%(num)d";
    return template.replace("%(num)d", digits(n));
  }

  function clock(seconds) {
    var s = Math.ceil(seconds);
    var m = Math.floor(s / 60);
    return m + ":" + ("0" + (s % 60)).slice(-2);
  }

  /* "Runde 2", "Marktplatz", … for a phase key. */
  function phaseName(phase, strings) {
    if (phase.indexOf("round:") === 0) return strings.phase_round.replace("%d", phase.slice(6));
    return strings["phase_" + phase] || phase;
  }

  /* Keep a run bar (phase + countdown) up to date; returns update(event). When a running
   * timer reaches 0, onEnd runs (the wall's big signal); without one, the bar itself says
   * "Die Zeit ist um" and a phone vibrates briefly where it can. */
  function runBar(node, strings, onEnd) {
    var event = null;
    var ended = false;
    var note = node.querySelector(".time-up-note");
    function timeUpNote() {
      if (!note) return;
      note.textContent = strings.time_up || "";
      note.hidden = false;
      if (navigator.vibrate) { try { navigator.vibrate([200, 100, 200]); } catch (e) { /* not allowed */ } }
    }
    function draw() {
      if (!event) return;
      var timed = event.timer.duration > 0 && event.status === "open";
      var left = remaining(event.timer);
      var running = event.timer.started_at !== null && event.timer.started_at !== undefined;
      node.querySelector(".run-phase").textContent = phaseName(event.phase, strings);
      var time = node.querySelector(".run-timer");
      time.textContent = timed ? digits(clock(left)) : "";
      time.className = "run-timer" + (running ? " running" : "") + (timed && left <= 60 ? " ending" : "");
      if (timed && running && left === 0 && !ended) { ended = true; (onEnd || timeUpNote)(); }
      if (left > 0 || !running) {
        ended = false;
        if (note) note.hidden = true;
      }
    }
    setInterval(draw, 250);
    return function (next) { event = next; draw(); };
  }

  /* Send a staff command and say on the status line what became of it: the refusal's reason,
   * "offline", or okText (when given) once it is saved. Resolves with the ack, or with
   * { ok: false, offline: true } when it could not be sent. */
  function ask(live, strings, name, payload, okText) {
    return live.send(name, payload).then(function (ack) {
      if (!ack.ok) statusLine(strings.error + ": " + ack.error.message, false);
      else if (okText) statusLine(okText, true);
      return ack;
    }, function () { statusLine(strings.offline, false); return { ok: false, offline: true }; });
  }

  /* Show a status line (connected / offline / error) in #status. */
  function statusLine(text, ok) {
    var node = document.getElementById("status");
    if (!node) return;
    node.textContent = text;
    node.className = "status " + (ok ? "ok" : "bad");
  }

  window.Tischrunde = {
    readBoot: readBoot, connect: connect, uuid4: uuid4, el: el, editCard: editCard, statusLine: statusLine, ask: ask,
    cardWords: cardWords, localText: localText, dots: dots, keepFocus: keepFocus, digits: digits, plural: plural,
    ranking: ranking, values: values, tableName: tableName, serverNow: serverNow, remaining: remaining, clock: clock, phaseName: phaseName, runBar: runBar,
    // The update rule on its own: tests/js/apply_changes.js runs it under Node.
    stateRule: { emptyState: emptyState, loadSnapshot: loadSnapshot, applyChange: applyChange }
  };
})();

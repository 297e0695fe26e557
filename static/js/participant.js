/* Participant phone: post, edit and withdraw own cards; see the table's cards.
 *
 * Every command goes into a localStorage outbox first and leaves it only when
 * the server's ack says it is stored (or refused for good), so a card typed on
 * bad Wi-Fi survives a dead connection, a reload and a closed tab.
 */
(function () {
  "use strict";
  var T = window.Tischrunde;
  var el = T.el;
  var boot = T.readBoot();
  var S = boot.strings;
  var OUTBOX_KEY = "tischrunde:outbox:" + boot.event;
  var NAME_KEY = "tischrunde:name";
  var RETRY_MS = 5000;

  var questions = [];
  var tableCards = {};
  var mine = {};
  var results = {};
  var tables = [];
  var run = null;
  var myVotes = [];
  var lastRound = null;
  var lastPhase = null;
  var occupancy = null; // phones per table, sent by the server when a round starts
  var myReactions = {};
  var updateRunBar = T.runBar(document.getElementById("run-bar"), S);
  var flushing = false;
  var inFlight = null; // the outbox key being sent right now
  var editing = false;

  // -- outbox -----------------------------------------------------------------

  function loadOutbox() {
    try { return JSON.parse(localStorage.getItem(OUTBOX_KEY) || "[]"); } catch (e) { return []; }
  }
  function saveOutbox(items) {
    try { localStorage.setItem(OUTBOX_KEY, JSON.stringify(items)); } catch (e) { /* private mode: memory only */ }
    memoryOutbox = items;
  }
  var memoryOutbox = loadOutbox();
  function outbox() { return memoryOutbox; }

  function enqueue(item) {
    var items = outbox().filter(function (other) { return other.key !== item.key; });
    items.push(item);
    saveOutbox(items);
    flush();
  }
  function dequeue(key) {
    saveOutbox(outbox().filter(function (item) { return item.key !== key; }));
  }

  function flush() {
    if (flushing || !live.isReady()) return;
    var item = outbox()[0];
    if (!item) return;
    flushing = true;
    inFlight = item.key;
    live.send(item.name, item.payload).then(function (ack) {
      flushing = false;
      inFlight = null;
      if (ack.ok) {
        dequeue(item.key);
        if (item.name === "card:post") sentNote(ack.card && ack.card.status === "pending" ? S.arrived_pending : S.arrived);
        // Only a card this phone wrote is its own: a '+1' ack carries the other person's card.
        if (ack.card && (item.name === "card:post" || item.name === "card:edit")) mine[ack.card.id] = ack.card;
        render();
        flush();
      } else if (transient(item, ack.error.code)) {
        showError(ack.error.message);
        setTimeout(flush, RETRY_MS * 2);
      } else {
        // Refused for good (e.g. text too long): it leaves the outbox so it never blocks
        // the cards behind it; its text stays on screen to copy or send again.
        dequeue(item.key);
        showError(ack.error.message);
        if (item.name === "card:post" || item.name === "card:edit") showRefused(item, ack.error.message);
        if (item.name === "card:post") sentNote("");
        if (item.name === "card:post") {
          delete mine[item.payload.id];
          var text = document.getElementById("card-text");
          if (!text.value) { text.value = item.payload.text; updateCounter(); }
        }
        if (item.name === "vote:add") {
          myVotes = myVotes.filter(function (v) { return v.id !== item.payload.id; });
        }
        render();
        flush();
      }
    }, function () {
      flushing = false;
      inFlight = null;
      setTimeout(flush, RETRY_MS);
    });
  }

  /* Worth sending again later: too fast now, the server cannot store right now (a full
   * disk: as long as it takes, the card is not lost), or a server error (three tries). */
  function transient(item, code) {
    if (code === "rate_limited" || code === "storage_unavailable") return true;
    if (code !== "internal") return false;
    item.tries = (item.tries || 0) + 1;
    saveOutbox(outbox());
    return item.tries < 3;
  }

  /* A card the server refused for good: reason and text, with a button that copies the text. */
  function showRefused(item, message) {
    var list = document.getElementById("refused");
    var text = el("textarea", { "class": "refused-text", readonly: "readonly", rows: 3, dir: "auto", "aria-label": S.not_sent });
    text.value = item.payload.text || "";
    var entry = el("li", { "class": "refused" }, [
      el("p", { "class": "badge", text: S.not_sent + ": " + message }),
      text,
      el("div", { "class": "actions" }, [
        el("button", { type: "button", text: S.copy, onclick: function () { copyText(text); } }),
        el("button", { type: "button", "class": "link-button", text: S.close, onclick: function () { list.removeChild(entry); } })
      ])
    ]);
    list.appendChild(entry);
    list.hidden = false;
  }

  function copyText(area) {
    area.focus();
    area.select();
    try { document.execCommand("copy"); } catch (e) { /* selected: the person can copy by hand */ }
  }

  /* The reader's wording of a table, question or result, or '' (then German alone). */
  function localOf(thing, text) {
    return T.localText(thing, boot.lang) || (boot.local || {})[text] || "";
  }

  /* A title in the reader's language with the German under it (or German alone). */
  function titleIn(tag, thing, text, attrs) {
    var local = localOf(thing, text);
    if (!local) return [el(tag, Object.assign({ dir: "auto", text: text }, attrs || {}))];
    return [
      el(tag, Object.assign({ dir: "auto", lang: boot.lang, text: local }, attrs || {})),
      el("p", { "class": "original", lang: "de", text: text })
    ];
  }

  function showTableName(table) {
    document.getElementById("table-name").textContent = table.name;
    var local = document.getElementById("table-local");
    local.textContent = localOf(table, table.name);
    local.hidden = !local.textContent;
  }

  // -- rendering --------------------------------------------------------------

  function showError(message) {
    var node = document.getElementById("form-error");
    if (!node) {
      node = el("p", { id: "form-error", "class": "error-message", role: "alert" });
      var form = document.getElementById("card-form");
      form.parentNode.insertBefore(node, form);
    }
    node.textContent = message;
  }

  function pendingKeys() {
    var keys = {};
    outbox().forEach(function (item) { keys[item.payload.id] = true; });
    return keys;
  }

  function ownCard(card, pending) {
    var item = el("li", { "class": "card " + card.status, id: "card-" + card.id, "data-card": card.id }, [
      el("p", { "class": "card-text", dir: "auto", lang: card.lang || null, text: card.text }),
      card.name ? el("p", { "class": "card-name", dir: "auto", text: card.name }) : null,
      pending ? el("p", { "class": "badge pending", text: S.pending }) : null,
      card.result_id && results[card.result_id] ? el("p", { "class": "badge in-result", text: S.in_result + " " + results[card.result_id].title }) : null,
      card.status === "hidden" ? el("p", { "class": "badge", text: S.hidden }) : null,
      card.status === "pending" ? el("p", { "class": "badge pending", text: S.pending_approval }) : null,
      card.status === "private" ? el("p", { "class": "badge private", text: S.private_own }) : null
    ]);
    var actions = el("div", { "class": "actions" }, [
      el("button", { type: "button", text: S.edit, onclick: function () { startEdit(item, card); } }),
      el("button", { type: "button", "class": "link-button", text: S.withdraw, onclick: function () { withdraw(card); } })
    ]);
    item.appendChild(actions);
    return item;
  }

  function startEdit(item, card) {
    editing = true;
    T.editCard(item, card.text, S, boot.limits.card, function (text) {
      editing = false;
      mine[card.id] = Object.assign({}, card, { text: text });
      enqueue({ key: "edit:" + card.id, name: "card:edit", payload: { id: card.id, text: text } });
      render();
    }, function () { editing = false; render(); });
  }

  function withdraw(card) {
    if (!window.confirm(S.confirm_withdraw)) return;
    delete mine[card.id];
    enqueue({ key: "withdraw:" + card.id, name: "card:withdraw", payload: { id: card.id } });
    render();
  }

  function renderMine() {
    if (editing) return; // a card arriving must not wipe the text being edited
    var list = document.getElementById("mine");
    var pending = pendingKeys();
    var cards = T.values(mine);
    cards.sort(function (a, b) { return (b.created_at || 0) - (a.created_at || 0); }); // newest first
    list.innerHTML = "";
    cards.forEach(function (card) { list.appendChild(ownCard(card, pending[card.id])); });
    if (!cards.length) list.appendChild(el("li", { "class": "empty", text: S.no_cards }));
  }

  function renderTable() {
    var box = document.getElementById("table-cards");
    box.innerHTML = "";
    questions.forEach(function (q) {
      var local = localOf(q, q.text);
      box.appendChild(el("h3", { dir: "auto" }, [q.text, local ? el("span", { "class": "local", lang: boot.lang, text: " " + local }) : null]));
      var list = el("ul", { "class": "card-list" });
      var all = T.values(tableCards)
        .filter(function (c) { return c.question_id === q.id; });
      var veiled = all.filter(function (c) { return c.status === "private" && !mine[c.id]; }).length;
      if (veiled) box.appendChild(el("p", { "class": "veiled", text: T.plural(S.veiled_n, veiled) }));
      var cards = all.filter(function (c) { return c.text !== undefined; })
        .sort(function (a, b) { return b.created_at - a.created_at; });
      cards.forEach(function (c) {
        list.appendChild(el("li", { "class": "card", "data-card": c.id }, [
          el("p", { "class": "card-text", dir: "auto", lang: c.lang || null, text: c.text }),
          c.name ? el("p", { "class": "card-name", dir: "auto", text: c.name }) : null,
          mine[c.id] ? (c.reactions ? el("p", { "class": "reactions", text: "+" + T.digits(c.reactions) }) : null) : agreeButton(c)
        ]));
      });
      if (!cards.length) list.appendChild(el("li", { "class": "empty", text: S.no_cards }));
      box.appendChild(list);
    });
  }

  /* "+1 / Sehe ich auch so" on another person's card: once per phone, pressed again to take back. */
  function agreeButton(card) {
    var on = !!myReactions[card.id];
    var count = card.reactions || 0;
    return el("button", { type: "button", "class": "agree", "aria-pressed": on ? "true" : "false",
      "aria-label": S.agree + (count ? " (" + T.plural(S.agree_n, count) + ")" : ""),
      text: "+1 " + S.agree + (count ? " · " + T.digits(count) : ""),
      onclick: function () {
        if (on) delete myReactions[card.id]; else myReactions[card.id] = true;
        enqueue({ key: "react:" + card.id, name: "card:react", payload: { id: card.id, on: !on } });
        render();
      } });
  }

  function renderResults() {
    var box = document.getElementById("table-results");
    var list = T.values(results)
      .filter(function (r) { return r.status !== "deleted" && r.table_id === boot.table; })
      .sort(function (a, b) { return a.rank - b.rank; });
    box.innerHTML = "";
    list.forEach(function (r) {
      var count = Object.keys(tableCards).filter(function (id) { return tableCards[id].result_id === r.id; }).length;
      box.appendChild(el("article", { "class": "result result-kind-" + r.kind }, [
        el("p", {}, [el("span", { "class": "kind kind-" + r.kind, text: S.kinds[r.kind] }), " ", el("span", { "class": "count", text: T.plural(S.cards_n, count) })])
      ].concat(titleIn("h3", r, r.title), [
        r.description ? el("p", { "class": "result-description", dir: "auto", lang: "de", text: r.description }) : null,
        r.next_step ? el("p", { "class": "small", dir: "auto", text: S.next_step + ": " + r.next_step }) : null
      ])));
    });
    if (!list.length) box.appendChild(el("p", { "class": "empty", text: S.no_results }));
  }

  // -- the evening: phase, changing tables, voting ------------------------------

  /* A new round (2 and later) offers the other tables, the emptiest first; the box goes
   * away with the next phase change. */
  function showTableChange() {
    var box = document.getElementById("change-table");
    document.getElementById("change-table-text").textContent = S.change_table;
    var list = document.getElementById("change-table-list");
    list.innerHTML = "";
    var others = tables.filter(function (t) { return t.id !== boot.table; });
    if (occupancy) others.sort(function (a, b) { return (occupancy[a.id] || 0) - (occupancy[b.id] || 0); });
    others.forEach(function (t, i) {
      var local = localOf(t, t.name);
      var suggested = occupancy && i === 0;
      list.appendChild(el("a", { "class": "big-button" + (suggested ? " suggested" : ""), href: "/e/" + boot.event + "/t/" + t.id }, [
        local ? el("span", { lang: boot.lang, text: local }) : t.name,
        local ? el("span", { "class": "local", lang: "de", text: t.name }) : null,
        suggested ? el("span", { "class": "local", text: S.fewest_people }) : null
      ]));
    });
    list.appendChild(el("button", { type: "button", "class": "big-button primary", text: S.stay, onclick: function () { box.hidden = true; } }));
    box.hidden = false;
  }

  function onRun(next) {
    var previous = lastRound;
    var phaseChanged = lastPhase !== null && next.phase !== lastPhase;
    lastPhase = next.phase;
    run = next;
    var closed = next.status !== "open";
    document.getElementById("card-form").hidden = closed;
    var notice = document.getElementById("closed-notice");
    notice.hidden = !closed;
    notice.textContent = S.event_closed;
    lastRound = next.current_round;
    updateRunBar(next);
    if (phaseChanged) document.getElementById("change-table").hidden = true;
    if (previous !== null && next.current_round > previous && next.current_round >= 2 && next.phase.indexOf("round:") === 0) {
      occupancy = null;
      showTableChange();
    }
  }

  function spendDot(resultId) {
    if (myVotes.length >= run.dots) return;
    var dot = { id: T.uuid4(), result_id: resultId };
    myVotes.push(dot);
    enqueue({ key: "vote:" + dot.id, name: "vote:add", payload: { id: dot.id, result: resultId } });
    renderVoting();
  }

  function takeBackDot(resultId) {
    var mineHere = myVotes.filter(function (v) { return v.result_id === resultId; });
    if (!mineHere.length) return;
    var dot = mineHere[mineHere.length - 1];
    myVotes = myVotes.filter(function (v) { return v.id !== dot.id; });
    var key = "vote:" + dot.id;
    var unsent = key !== inFlight && outbox().some(function (item) { return item.key === key; });
    if (unsent) dequeue(key); // never left the phone: just forget it
    else enqueue({ key: "unvote:" + dot.id, name: "vote:remove", payload: { id: dot.id } });
    renderVoting();
  }

  function renderVoting() {
    var panel = document.getElementById("vote-panel");
    var open = run && run.phase === "market" && run.voting_open;
    panel.hidden = !open;
    if (!open) return;
    document.getElementById("vote-title").textContent = S.vote_title;
    var left = run.dots - myVotes.length;
    document.getElementById("dots-left").textContent = T.plural(S.dots_left_n, left);
    var list = document.getElementById("vote-list");
    list.innerHTML = "";
    tables.forEach(function (t) {
      var here = T.values(results)
        .filter(function (r) { return r.table_id === t.id && r.status === "active"; })
        .sort(function (a, b) { return a.rank - b.rank; });
      if (!here.length) return;
      list.appendChild(el("div", { "class": "vote-table" }, titleIn("h3", t, t.name)));
      here.forEach(function (r) {
        var count = myVotes.filter(function (v) { return v.result_id === r.id; }).length;
        var label = localOf(r, r.title) || r.title;
        list.appendChild(el("article", { "class": "vote-item result-kind-" + r.kind, "data-result": r.id }, [
          el("div", { "class": "vote-text" }, [
            el("span", { "class": "kind kind-" + r.kind, text: S.kinds[r.kind] })
          ].concat(titleIn("p", r, r.title, { "class": "vote-title" }))),
          el("div", { "class": "vote-buttons" }, [
            el("button", { type: "button", "class": "dot-minus", "aria-label": S.remove_dot + ": " + label, text: "−", disabled: count ? null : "disabled", onclick: function () { takeBackDot(r.id); } }),
            el("span", { "class": "dots", "aria-label": count + " " + S.my_dots, text: new Array(count + 1).join("●") || "○" }),
            el("button", { type: "button", "class": "dot-plus", "aria-label": S.add_dot + ": " + label, text: "+", disabled: left > 0 ? null : "disabled", onclick: function () { spendDot(r.id); } })
          ])
        ]));
      });
    });
  }

  function render() { T.keepFocus(function () { renderMine(); renderResults(); renderTable(); renderVoting(); renderClosing(); }); }

  /* When voting has closed: thanks, the ranking everyone made, and where the town publishes it. */
  function renderClosing() {
    var panel = document.getElementById("closing-panel");
    var over = run && ((run.phase === "market" && !run.voting_open) || run.phase === "closing" || run.status !== "open");
    var voted = T.values(results)
      .filter(function (r) { return r.status === "active" && (r.votes || r.paper_votes); });
    var ranked = T.ranking(voted, function (r) { return r.votes + r.paper_votes; });
    panel.hidden = !over;
    if (!over) return;
    var note = document.getElementById("publish-note");
    note.textContent = run.publish_note || "";
    note.hidden = !run.publish_note;
    var list = document.getElementById("closing-ranking");
    list.innerHTML = "";
    ranked.slice(0, 10).forEach(function (r) {
      list.appendChild(el("li", {}, titleIn("span", r, r.title).concat([
        el("span", { "class": "count", text: T.plural(S.dots_n, r.votes + r.paper_votes) })
      ])));
    });
    document.getElementById("closing-ranking-title").hidden = !ranked.length;
  }

  /* Say, visibly and to screen readers, what became of the card just sent. */
  function sentNote(text) {
    var note = document.getElementById("sent-note");
    note.textContent = text;
    note.hidden = !text;
  }

  // -- live state -------------------------------------------------------------

  function onSnapshot(state) {
    questions = state.questions.filter(function (q) { return q.table_id === boot.table; });
    tableCards = state.cards;  // the server sends a phone only the visible cards of its table
    mine = state.mine;
    results = state.results;
    tables = state.tables;
    myVotes = state.myVotes.slice();
    myReactions = {};
    state.myReactions.forEach(function (id) { myReactions[id] = true; });
    outbox().forEach(function (item) {
      if (item.name === "vote:add" && !myVotes.some(function (v) { return v.id === item.payload.id; })) myVotes.push({ id: item.payload.id, result_id: item.payload.result });
      if (item.name === "vote:remove") myVotes = myVotes.filter(function (v) { return v.id !== item.payload.id; });
    });
    onRun(state.event);
    // Cards still in the outbox are not on the server yet: keep showing them.
    outbox().forEach(function (item) {
      if (item.name === "card:post") mine[item.payload.id] = Object.assign({ status: "visible", created_at: Date.now() / 1000 }, item.payload);
      if (item.name === "card:withdraw") delete mine[item.payload.id];
    });
    state.tables.forEach(function (t) { if (t.id === boot.table) showTableName(t); });
    render();
  }

  function onChange(change, state) {
    if (change.event) {
      onRun(change.event);
    } else if (change.table && change.table.id === boot.table) {
      showTableName(change.table);
    } else if (change.question) {
      questions = state.questions.filter(function (q) { return q.table_id === boot.table; });
      var label = document.getElementById("question-" + change.question.id);
      if (label) label.textContent = change.question.text;
    }
    render();
  }

  var live = T.connect(boot, {
    snapshot: onSnapshot,
    change: onChange,
    events: {
      occupancy: function (counts) {
        occupancy = counts;
        if (!document.getElementById("change-table").hidden) showTableChange();
      }
    },
    ready: flush,
    status: T.statusLine
  });

  // -- the form ---------------------------------------------------------------

  var form = document.getElementById("card-form");
  var textArea = document.getElementById("card-text");
  var nameInput = document.getElementById("card-name");
  var counter = document.getElementById("card-count");
  try { if (!nameInput.value) nameInput.value = localStorage.getItem(NAME_KEY) || ""; } catch (e) { /* ignore */ }

  function updateCounter() {
    counter.textContent = T.digits(boot.limits.card - textArea.value.length) + " " + S.chars_left;
  }
  textArea.addEventListener("input", updateCounter);
  updateCounter();

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = textArea.value.trim();
    var checked = form.querySelector("input[name=question]:checked");
    if (!text || !checked) { textArea.focus(); return; }
    var payload = { id: T.uuid4(), question: parseInt(checked.value, 10), text: text, name: nameInput.value.trim(), lang: boot.lang };
    try { localStorage.setItem(NAME_KEY, payload.name); } catch (e) { /* ignore */ }
    mine[payload.id] = { id: payload.id, question_id: payload.question, text: text, name: payload.name, status: "visible", created_at: Date.now() / 1000 };
    enqueue({ key: payload.id, name: "card:post", payload: payload });
    sentNote(live.isReady() ? S.sending : S.pending);
    textArea.value = "";
    updateCounter();
    var error = document.getElementById("form-error");
    if (error) error.parentNode.removeChild(error);
    render();
  });

  setInterval(flush, RETRY_MS);
})();

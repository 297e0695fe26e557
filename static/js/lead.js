/* Lead console: rename tables, edit questions, see card counts live. */
(function () {
  "use strict";
  var T = window.Tischrunde;
  var el = T.el;
  var boot = T.readBoot();
  var S = boot.strings;

  /* Send a form's command with its button disabled until the answer comes. */
  function act(form, name, payload) {
    var button = form.querySelector("button");
    button.disabled = true;
    send(name, payload).then(function () { button.disabled = false; });
  }

  Array.prototype.forEach.call(document.querySelectorAll("form.rename"), function (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      act(form, "table:rename", { table: parseInt(form.getAttribute("data-table"), 10), name: form.elements.name.value });
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("form.question"), function (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      act(form, "question:edit", { question: parseInt(form.getAttribute("data-question"), 10), text: form.elements.text.value });
    });
  });

  function showWallMode(mode) {
    Array.prototype.forEach.call(document.querySelectorAll("[data-wall-mode]"), function (button) {
      button.setAttribute("aria-pressed", String(button.getAttribute("data-wall-mode") === mode));
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-wall-mode]"), function (button) {
    button.addEventListener("click", function () { send("wall:mode", { mode: button.getAttribute("data-wall-mode") }); });
  });

  // -- run of the evening ------------------------------------------------------

  var run = null;
  var results = {};
  var tallies = {};
  var updateRunBar = T.runBar(document.getElementById("run-bar"), S);

  function send(name, payload) {
    return T.ask(live, S, name, payload || {}, S.saved).then(function (ack) {
      if (ack.ok && ack.event) onRun(ack.event);
      return ack;
    });
  }

  function tick() {
    if (!run) return;
    var round = run.phase.indexOf("round:") === 0;
    document.getElementById("lead-timer").textContent = round ? T.clock(T.remaining(run.timer)) : "–";
  }
  setInterval(tick, 250);

  function onRun(next) {
    run = next;
    updateRunBar(run);
    var steps = document.getElementById("phase-steps");
    steps.innerHTML = "";
    run.phases.forEach(function (phase) {
      var current = phase === run.phase;
      steps.appendChild(el("li", {}, [el("button", {
        type: "button", "class": current ? "current" : "", "aria-current": current ? "step" : null,
        text: T.phaseName(phase, S), onclick: function () { send("phase:set", { phase: phase }); }
      })]));
    });
    var index = run.phases.indexOf(run.phase);
    document.getElementById("phase-prev").disabled = index <= 0;
    document.getElementById("phase-next").disabled = index >= run.phases.length - 1;
    Array.prototype.forEach.call(document.querySelectorAll("[data-moderation]"), function (b) {
      b.setAttribute("aria-pressed", String(b.getAttribute("data-moderation") === run.moderation));
    });
    document.getElementById("release-queue").hidden = run.moderation !== "post";
    document.getElementById("private-writing").checked = !!run.private_writing;
    document.getElementById("voting-state").textContent =
      run.voting_open ? S.voting_is_open : (run.phase === "market" || run.phase === "closing" ? S.voting_is_closed : S.voting_not_yet);
    document.getElementById("voting-close").hidden = !run.voting_open;
    document.getElementById("voting-open").hidden = run.voting_open || run.phase !== "market";
    showWallMode(run.wall_mode);
    Array.prototype.forEach.call(document.querySelectorAll("[data-focus]"), function (b) {
      b.setAttribute("aria-pressed", String(b.getAttribute("data-focus") === String(run.focus_table || "")));
    });
    document.getElementById("spotlight-off").hidden = !run.spotlight;
    var closed = run.status !== "open";
    document.getElementById("event-status").textContent = S["status_" + run.status];
    document.getElementById("event-close").hidden = closed;
    document.getElementById("event-archive").hidden = run.status !== "closed";
    document.getElementById("event-reopen").hidden = !closed;
    document.body.classList.toggle("event-closed", closed);
    tick();
    renderRanking();
  }

  function renderRanking() {
    var list = document.getElementById("lead-ranking");
    list.innerHTML = "";
    var voted = T.values(results)
      .filter(function (r) { return r.status === "active" && (T.dots(r, tallies) || r.votes); });
    T.ranking(voted, function (r) { return T.dots(r, tallies); })
      .forEach(function (r) {
        var paper = r.paper_votes ? " (" + r.paper_votes + " " + S.on_paper + ")" : "";
        list.appendChild(el("li", { dir: "auto", text: r.title + " – " + T.plural(S.dots_n, T.dots(r, tallies)) + paper }));
      });
  }

  document.getElementById("phase-next").addEventListener("click", function () {
    send("phase:set", { phase: run.phases[run.phases.indexOf(run.phase) + 1] });
  });
  document.getElementById("phase-prev").addEventListener("click", function () {
    send("phase:set", { phase: run.phases[run.phases.indexOf(run.phase) - 1] });
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-timer]"), function (b) {
    b.addEventListener("click", function () { send(b.getAttribute("data-timer")); });
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-timer-add]"), function (b) {
    b.addEventListener("click", function () { send("timer:add", { minutes: parseInt(b.getAttribute("data-timer-add"), 10) }); });
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-moderation]"), function (b) {
    b.addEventListener("click", function () { send("moderation:set", { mode: b.getAttribute("data-moderation") }); });
  });
  document.getElementById("private-writing").addEventListener("change", function (ev) {
    send("event:configure", { private_writing: ev.target.checked });
  });
  document.getElementById("release-queue").addEventListener("click", function () {
    if (window.confirm(S.confirm_release)) send("moderation:set", { mode: run.moderation, queue: "release" });
  });
  document.getElementById("hold-words").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var words = ev.target.elements.words.value.split("\n").map(function (w) { return w.trim(); }).filter(Boolean);
    send("event:configure", { hold_words: words });
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-focus]"), function (b) {
    b.addEventListener("click", function () {
      var table = b.getAttribute("data-focus");
      send("wall:focus", table ? { table: parseInt(table, 10) } : {});
    });
  });
  document.getElementById("spotlight-off").addEventListener("click", function () { send("wall:spotlight", {}); });
  // The preview loads only when opened: a hidden wall would otherwise hold a connection all evening.
  document.querySelector(".wall-preview-box").addEventListener("toggle", function (ev) {
    var frame = ev.target.querySelector("iframe");
    frame.src = ev.target.open ? frame.getAttribute("data-src") : "about:blank";
  });
  document.getElementById("voting-close").addEventListener("click", function () { send("voting:close"); });
  document.getElementById("voting-open").addEventListener("click", function () { send("voting:open"); });
  document.getElementById("event-close").addEventListener("click", function () { send("event:close"); });
  document.getElementById("event-archive").addEventListener("click", function () { send("event:archive"); });
  document.getElementById("event-reopen").addEventListener("click", function () { send("event:reopen"); });
  document.getElementById("details").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var form = ev.target;
    send("event:update", { title: form.elements.title.value, date: form.elements.date.value, place: form.elements.place.value,
      publish_note: form.elements.publish_note.value });
  });
  document.getElementById("configure").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var form = ev.target;
    send("event:configure", {
      rounds: parseInt(form.elements.rounds.value, 10),
      round_minutes: parseInt(form.elements.round_minutes.value, 10),
      dots: parseInt(form.elements.dots.value, 10),
      sorting_minutes: parseInt(form.elements.sorting_minutes.value, 10),
      market_minutes: parseInt(form.elements.market_minutes.value, 10),
      auto_timer: form.elements.auto_timer.checked,
      languages: Array.prototype.filter.call(form.querySelectorAll("input[name=languages]"), function (box) { return box.checked; })
        .map(function (box) { return box.value; })
    });
  });

  var cards = {};
  function renderCounts() {
    var counts = {};
    Object.keys(cards).forEach(function (id) {
      var c = cards[id];
      if (c.status === "visible") counts[c.table_id] = (counts[c.table_id] || 0) + 1;
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-count-for-table]"), function (node) {
      node.textContent = T.plural(S.cards_n, counts[node.getAttribute("data-count-for-table")] || 0);
    });
  }

  var live = T.connect(boot, {
    snapshot: function (state) {
      cards = state.cards;
      results = state.results;
      tallies = state.tallies;
      renderCounts();
      onRun(state.event);
    },
    change: function (change) {
      if (change.card) renderCounts();
      if (change.event) onRun(change.event);
      if (change.result || change.tally) renderRanking();
      if (change.table) {
        var input = document.getElementById("name-" + change.table.id);
        if (input && document.activeElement !== input) input.value = change.table.name;
      }
    },
    status: T.statusLine
  });
})();

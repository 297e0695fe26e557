/* Projector wall: every table's visible cards, newest first, live. Read only. */
(function () {
  "use strict";
  var T = window.Tischrunde;
  var el = T.el;
  var boot = T.readBoot();
  var tables = [];
  var questionIndex = {};
  var questionsByPos = [];
  var cards = {};
  var results = {};
  var mode = "cards";
  var S = boot.strings;
  var run = null;
  var tallies = {};
  var updateRunBar = T.runBar(document.getElementById("run-bar"), S, timeUp);
  var ROTATE_MS = (boot.rotateSeconds || 8) * 1000;

  /* The end of a round: a message everyone can read, and a soft chime where the
   * browser allows sound (a projector page may not, until someone clicks it). */
  function timeUp() {
    var box = document.getElementById("time-up");
    box.textContent = S.time_up;
    box.hidden = false;
    setTimeout(function () { box.hidden = true; }, 12000);
    try {
      var Audio = window.AudioContext || window.webkitAudioContext;
      var audio = new Audio();
      [523.25, 659.25, 783.99].forEach(function (freq, i) {
        var osc = audio.createOscillator();
        var gain = audio.createGain();
        var start = audio.currentTime + i * 0.35;
        osc.frequency.value = freq;
        gain.gain.setValueAtTime(0.0001, start);
        gain.gain.exponentialRampToValueAtTime(0.2, start + 0.05);
        gain.gain.exponentialRampToValueAtTime(0.0001, start + 1.2);
        osc.connect(gain).connect(audio.destination);
        osc.start(start);
        osc.stop(start + 1.3);
      });
    } catch (e) { /* no sound: the message is enough */ }
  }

  function tableName(id) { return T.tableName(tables, id); }

  /* Before the start: the title and a QR code big enough to scan across the room. */
  function renderJoin(grid) {
    var qr = document.querySelector(".wall-join img").getAttribute("src");
    var url = document.querySelector(".wall-join strong").textContent;
    var calls = document.querySelector(".wall-join .join-calls").cloneNode(true);
    var languages = document.querySelector(".wall-join .join-languages").cloneNode(true);
    calls.hidden = false;
    languages.hidden = false;
    grid.appendChild(el("section", { "class": "join-screen" }, [
      el("p", { "class": "join-call", text: S.join_call }),
      calls,
      el("img", { src: qr, alt: S.join_call }),
      el("p", { "class": "join-url", text: url }),
      languages
    ]));
  }

  /* Market place and closing: every active result, most dots first. */
  function renderRanking(grid) {
    var active = T.values(results)
      .filter(function (r) { return r.status === "active"; });
    var list = T.ranking(active, function (r) { return T.dots(r, tallies); });
    var top = Math.max(1, list.length ? T.dots(list[0], tallies) : 1);
    var box = el("ol", { "class": "ranking" });
    list.forEach(function (r) {
      var n = T.dots(r, tallies);
      var bar = el("span", { "class": "rank-bar result-kind-" + r.kind });
      bar.style.width = (100 * n / top) + "%";
      box.appendChild(el("li", { "class": "rank-item", "data-result": r.id }, [
        el("span", { "class": "rank-votes", text: String(n) }),
        el("div", { "class": "rank-body" }, [
          el("p", { "class": "rank-title", dir: "auto", text: r.title }),
          el("p", { "class": "rank-meta" }, [el("span", { "class": "kind kind-" + r.kind, text: S.kinds[r.kind] }), " " + tableName(r.table_id) +
            (r.paper_votes ? " · " + r.paper_votes + " " + S.on_paper : "")]),
          el("div", { "class": "bar-track" }, [bar])
        ])
      ]));
    });
    grid.appendChild(el("section", { "class": "ranking-box" }, [el("h2", { text: S.ranking }), box]));
  }

  function renderLegend() {
    var legend = document.getElementById("legend");
    legend.innerHTML = "";
    questionsByPos.forEach(function (text, i) {
      legend.appendChild(el("span", { "class": "legend-item" }, [
        el("span", { "class": "q-dot q" + (i + 1), "aria-hidden": "true" }), el("span", { dir: "auto", text: text })
      ]));
    });
  }

  /* Results of one table for the wall: active ones, with the cards of results
   * the lead merged into them from other tables counted in. */
  function tableResults(tableId) {
    var all = T.values(results);
    return all.filter(function (r) { return r.table_id === tableId && r.status === "active"; })
      .sort(function (a, b) { return a.rank - b.rank; })
      .map(function (r) {
        var family = [r.id].concat(all.filter(function (m) { return m.status === "merged" && m.merged_into === r.id; }).map(function (m) { return m.id; }));
        var alsoAt = all.filter(function (m) { return m.status === "merged" && m.merged_into === r.id; })
          .map(function (m) { var t = tables.filter(function (x) { return x.id === m.table_id; })[0]; return t ? t.name : ""; });
        var count = Object.keys(cards).filter(function (id) { return family.indexOf(cards[id].result_id) >= 0; }).length;
        return { result: r, count: count, alsoAt: alsoAt };
      });
  }

  /* The tables the wall shows: the one the lead put in focus, else all. */
  function shownTables() {
    return run && run.focus_table ? tables.filter(function (t) { return t.id === run.focus_table; }) : tables;
  }

  function renderResults(grid) {
    shownTables().forEach(function (table) {
      var list = el("div", { "class": "wall-results" });
      var entries = tableResults(table.id);
      entries.forEach(function (entry) {
        var r = entry.result;
        list.appendChild(el("article", { "class": "wall-result result-kind-" + r.kind, "data-result": r.id }, [
          el("span", { "class": "kind kind-" + r.kind, text: S.kinds[r.kind] }),
          el("h3", { dir: "auto", text: r.title }),
          el("p", { "class": "meta", text: T.plural(S.cards_n, entry.count) + (entry.alsoAt.length ? " · " + S.also_at + " " + entry.alsoAt.join(", ") : "") })
        ]));
      });
      grid.appendChild(el("section", { "class": "wall-table", "data-table": table.id }, [
        el("h2", {}, [el("span", { dir: "auto", text: table.name }), el("span", { "class": "count", text: String(entries.length) })]),
        list
      ]));
    });
  }

  function render() {
    var grid = document.getElementById("wall");
    var ranking = run && (run.phase === "market" || run.phase === "closing");
    // Before the start: arrival, and nobody has written yet. Once cards come in,
    // the wall shows them (an evening run without phases still works).
    var joining = run && run.phase === "arrival" && !Object.keys(cards).length;
    document.body.setAttribute("data-mode", joining ? "join" : ranking ? "ranking" : mode);
    if (joining) {
      grid.innerHTML = "";
      renderJoin(grid);
      return;
    }
    if (ranking) {
      grid.innerHTML = "";
      renderRanking(grid);
      return;
    }
    var shown = shownTables();
    document.body.classList.toggle("focus", shown.length === 1 && tables.length > 1);
    if (mode === "results") {
      grid.innerHTML = "";
      grid.style.setProperty("--tables", Math.max(shown.length, 1));
      renderResults(grid);
      renderSpotlight();
      return;
    }
    grid.innerHTML = "";
    grid.style.setProperty("--tables", Math.max(shown.length, 1));
    shown.forEach(renderTableCards.bind(null, grid));
    renderSpotlight();
  }

  /* One table's cards, newest first, from where its rotation stands: as many as fit, and
   * "+N weitere" for the rest, which come round every few seconds (nothing vanishes unseen). */
  function renderTableCards(grid, table) {
    var list = el("ul", { "class": "card-list" });
    var atTable = T.values(cards)
      .filter(function (c) { return c.table_id === table.id; });
    var veiled = atTable.filter(function (c) { return c.status === "private"; }).length;
    var tableCards = atTable.filter(function (c) { return c.status !== "private"; })
      .sort(function (a, b) { return b.created_at - a.created_at; });
    var start = (rotation[table.id] || 0) % Math.max(tableCards.length, 1);
    var order = tableCards.slice(start).concat(tableCards.slice(0, start));
    order.forEach(function (c) {
      list.appendChild(el("li", { "class": "card q" + (questionIndex[c.question_id] || 1), "data-card": c.id },
        T.cardWords(c, S, { badges: false }).concat([
          c.reactions ? el("p", { "class": "reactions", "aria-label": T.plural(S.agree_n, c.reactions), text: "+" + T.digits(c.reactions) }) : null
        ])));
    });
    var more = el("p", { "class": "more", hidden: "hidden" });
    var section = el("section", { "class": "wall-table", "data-table": table.id }, [
      el("h2", {}, [el("span", { dir: "auto", text: table.name }), el("span", { "class": "count", text: String(tableCards.length) })]),
      veiled ? el("p", { "class": "veiled", text: T.plural(S.veiled_n, veiled) }) : null,
      list,
      more
    ]);
    grid.appendChild(section);
    var fitting = fitted(list);
    overflow[table.id] = { shown: fitting, total: tableCards.length };
    if (fitting < tableCards.length) {
      more.textContent = T.plural(S.more_n, tableCards.length - fitting);
      more.hidden = false;
      fitting = fitted(list);  // the line takes room too
      overflow[table.id].shown = fitting;
      more.textContent = T.plural(S.more_n, tableCards.length - fitting);
    }
  }

  /* How many cards of a list are fully visible; the others are hidden, not cut in half
   * (the first always shows, even when a very long card or a big zoom cuts it). */
  function fitted(list) {
    var bottom = list.getBoundingClientRect().bottom;
    var count = 0;
    Array.prototype.forEach.call(list.children, function (item) {
      item.hidden = false;
    });
    Array.prototype.forEach.call(list.children, function (item, index) {
      var fits = index === 0 || item.getBoundingClientRect().bottom <= bottom + 1;
      if (fits && count === index) count += 1;
      else item.hidden = true;
    });
    return count;
  }

  /* Every few seconds the tables with more cards than fit move on to the next ones. */
  var rotation = {};
  var overflow = {};
  setInterval(function () {
    var moved = false;
    Object.keys(overflow).forEach(function (id) {
      var o = overflow[id];
      if (o.total > o.shown && o.shown > 0) {
        rotation[id] = ((rotation[id] || 0) + o.shown) % o.total;
        moved = true;
      }
    });
    if (moved && document.body.getAttribute("data-mode") === "cards") render();
  }, ROTATE_MS);

  /* The lead or a moderator put one card or result on the wall: large, with its table. */
  function renderSpotlight() {
    var box = document.getElementById("spotlight");
    var spot = run && run.spotlight;
    var thing = spot && (spot.kind === "card" ? cards[spot.id] : results[spot.id]);
    box.hidden = !thing;
    box.innerHTML = "";
    if (!thing) return;
    box.appendChild(el("p", { "class": "spotlight-table", dir: "auto", text: tableName(thing.table_id) }));
    if (spot.kind === "card") {
      box.appendChild(el("div", { "class": "card spotlight-card q" + (questionIndex[thing.question_id] || 1) }, T.cardWords(thing, S, { badges: false })));
    } else {
      box.appendChild(el("span", { "class": "kind kind-" + thing.kind, text: S.kinds[thing.kind] }));
      box.appendChild(el("h2", { dir: "auto", text: thing.title }));
      if (thing.description) box.appendChild(el("p", { dir: "auto", text: thing.description }));
    }
  }

  T.connect(boot, {
    snapshot: function (state) {
      tables = state.tables;
      questionIndex = {};
      var perTable = {};
      questionsByPos = [];
      state.questions.forEach(function (q) {
        perTable[q.table_id] = (perTable[q.table_id] || 0) + 1;
        questionIndex[q.id] = perTable[q.table_id];
        if (!questionsByPos[perTable[q.table_id] - 1]) questionsByPos[perTable[q.table_id] - 1] = q.text;
      });
      cards = state.cards;
      results = state.results;
      mode = state.event.wall_mode;
      run = state.event;
      tallies = state.tallies;
      updateRunBar(run);
      renderLegend();
      render();
    },
    change: function (change) {
      if (change.event) {
        mode = change.event.wall_mode;
        run = change.event;
        updateRunBar(run);
      } else if (change.question && questionIndex[change.question.id]) {
        questionsByPos[questionIndex[change.question.id] - 1] = change.question.text;
        renderLegend();
      }
      render();
    },
    status: function (text, ok) { T.statusLine(ok ? "" : text, ok); }
  });
})();

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

  function renderLegend() {
    var legend = document.getElementById("legend");
    legend.innerHTML = "";
    questionsByPos.forEach(function (text, i) {
      legend.appendChild(el("span", { "class": "legend-item" }, [
        el("span", { "class": "q-dot q" + (i + 1), "aria-hidden": "true" }), el("span", { dir: "auto", text: text })
      ]));
    });
  }

  function render() {
    var grid = document.getElementById("wall");
    grid.innerHTML = "";
    grid.style.setProperty("--tables", Math.max(tables.length, 1));
    tables.forEach(function (table) {
      var list = el("ul", { "class": "card-list" });
      var tableCards = Object.keys(cards).map(function (id) { return cards[id]; })
        .filter(function (c) { return c.table_id === table.id; })
        .sort(function (a, b) { return b.created_at - a.created_at; });
      tableCards.forEach(function (c) {
        list.appendChild(el("li", { "class": "card q" + (questionIndex[c.question_id] || 1), "data-card": c.id }, [
          el("p", { "class": "card-text", dir: "auto", text: c.text }),
          c.name ? el("p", { "class": "card-name", dir: "auto", text: "– " + c.name }) : null
        ]));
      });
      grid.appendChild(el("section", { "class": "wall-table", "data-table": table.id }, [
        el("h2", {}, [el("span", { dir: "auto", text: table.name }), el("span", { "class": "count", text: String(tableCards.length) })]),
        list
      ]));
    });
  }

  T.connect(boot, {
    snapshot: function (snap) {
      tables = snap.tables;
      questionIndex = {};
      var perTable = {};
      questionsByPos = [];
      snap.questions.forEach(function (q) {
        perTable[q.table_id] = (perTable[q.table_id] || 0) + 1;
        questionIndex[q.id] = perTable[q.table_id];
        if (!questionsByPos[perTable[q.table_id] - 1]) questionsByPos[perTable[q.table_id] - 1] = q.text;
      });
      cards = {};
      snap.cards.forEach(function (c) { cards[c.id] = c; });
      renderLegend();
      render();
    },
    change: function (change) {
      if (change.card) {
        if (change.card.status === "visible") cards[change.card.id] = change.card;
        else delete cards[change.card.id];
      } else if (change.type === "table.renamed") {
        tables.forEach(function (t) { if (t.id === change.table.id) t.name = change.table.name; });
      } else if (change.type === "question.edited" && questionIndex[change.question.id]) {
        questionsByPos[questionIndex[change.question.id] - 1] = change.question.text;
        renderLegend();
      }
      render();
    },
    status: function (text, ok) { T.statusLine(ok ? "" : text, ok); }
  });
})();

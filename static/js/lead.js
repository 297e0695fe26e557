/* Lead console: rename tables, edit questions, see card counts live. */
(function () {
  "use strict";
  var T = window.Tischrunde;
  var boot = T.readBoot();
  var S = boot.strings;
  var counts = {};

  function act(form, name, payload) {
    var button = form.querySelector("button");
    button.disabled = true;
    live.send(name, payload).then(function (ack) {
      button.disabled = false;
      T.statusLine(ack.ok ? S.saved : S.error + ": " + ack.error.message, ack.ok);
    }, function () { button.disabled = false; T.statusLine(S.offline, false); });
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
    button.addEventListener("click", function () {
      live.send("wall:mode", { mode: button.getAttribute("data-wall-mode") }).then(function (ack) {
        if (ack.ok) showWallMode(ack.mode); else T.statusLine(S.error + ": " + ack.error.message, false);
      }, function () { T.statusLine(S.offline, false); });
    });
  });

  var cards = {};
  function renderCounts() {
    counts = {};
    Object.keys(cards).forEach(function (id) {
      var c = cards[id];
      if (c.status === "visible") counts[c.table_id] = (counts[c.table_id] || 0) + 1;
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-count-for-table]"), function (node) {
      node.textContent = counts[node.getAttribute("data-count-for-table")] || 0;
    });
  }

  var live = T.connect(boot, {
    snapshot: function (snap) {
      cards = {};
      snap.cards.forEach(function (c) { cards[c.id] = c; });
      renderCounts();
      showWallMode(snap.event.wall_mode);
    },
    change: function (change) {
      if (change.card) { cards[change.card.id] = change.card; renderCounts(); }
      if (change.type === "event.updated") showWallMode(change.event.wall_mode);
      if (change.type === "table.renamed") {
        var input = document.getElementById("name-" + change.table.id);
        if (input && document.activeElement !== input) input.value = change.table.name;
      }
    },
    status: T.statusLine
  });
})();

/* Moderator tablet: every card of the table live, one column per question;
 * hide, show again and correct cards. The server checks the role on every
 * command; the buttons only ask.
 */
(function () {
  "use strict";
  var T = window.Tischrunde;
  var el = T.el;
  var boot = T.readBoot();
  var S = boot.strings;
  var cards = {};
  var fresh = {};
  var editing = false;
  var questionPos = {};
  Array.prototype.forEach.call(document.querySelectorAll("[data-cards-for]"), function (list, i) {
    questionPos[list.getAttribute("data-cards-for")] = i + 1;
  });

  function act(name, payload) {
    live.send(name, payload).then(function (ack) {
      if (!ack.ok) T.statusLine(S.error + ": " + ack.error.message, false);
      else if (ack.card) { cards[ack.card.id] = ack.card; render(); }
    }, function () { T.statusLine(S.offline, false); });
  }

  function cardItem(card) {
    var hidden = card.status === "hidden";
    var item = el("li", { "class": "card q" + questionPos[card.question_id] + " " + card.status + (fresh[card.id] ? " fresh" : ""), "data-card": card.id }, [
      el("p", { "class": "card-text", dir: "auto", text: card.text }),
      card.name ? el("p", { "class": "card-name", dir: "auto", text: card.name }) : null,
      hidden ? el("p", { "class": "badge", text: S.hidden }) : null
    ]);
    item.appendChild(el("div", { "class": "actions" }, [
      el("button", {
        type: "button", "class": hidden ? "show" : "hide", text: hidden ? S.show : S.hide,
        onclick: function () { act(hidden ? "card:show" : "card:hide", { id: card.id }); }
      }),
      el("button", { type: "button", "class": "edit", text: S.edit, onclick: function () { startEdit(item, card); } })
    ]));
    return item;
  }

  function startEdit(item, card) {
    editing = true;
    T.editCard(item, card.text, S, boot.maxCard, function (text) {
      editing = false;
      act("card:edit", { id: card.id, text: text });
      render();
    }, function () { editing = false; render(); });
  }

  function render() {
    if (editing) return; // never pull the text field from under the moderator's fingers
    Array.prototype.forEach.call(document.querySelectorAll("[data-cards-for]"), function (list) {
      var qid = parseInt(list.getAttribute("data-cards-for"), 10);
      var mineCards = Object.keys(cards).map(function (id) { return cards[id]; })
        .filter(function (c) { return c.question_id === qid; })
        .sort(function (a, b) { return b.created_at - a.created_at; });
      list.innerHTML = "";
      mineCards.forEach(function (c) { list.appendChild(cardItem(c)); });
      if (!mineCards.length) list.appendChild(el("li", { "class": "empty", text: S.no_cards }));
      document.querySelector("[data-count-for='" + qid + "']").textContent =
        mineCards.filter(function (c) { return c.status === "visible"; }).length;
    });
  }

  var live = T.connect(boot, {
    snapshot: function (snap) {
      cards = {};
      snap.cards.forEach(function (c) { if (c.table_id === boot.table) cards[c.id] = c; });
      snap.tables.forEach(function (t) { if (t.id === boot.table) document.getElementById("table-name").textContent = t.name; });
      render();
    },
    change: function (change) {
      if (change.card) {
        if (change.card.status === "withdrawn") delete cards[change.card.id];
        else {
          if (change.type === "card.posted") fresh[change.card.id] = true;
          cards[change.card.id] = change.card;
        }
      } else if (change.type === "table.renamed" && change.table.id === boot.table) {
        document.getElementById("table-name").textContent = change.table.name;
      } else if (change.type === "question.edited") {
        var head = document.querySelector("#col-" + change.question.id + " span[dir]");
        if (head) head.textContent = change.question.text;
      }
      render();
    },
    status: T.statusLine
  });
})();

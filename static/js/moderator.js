/* Moderator tablet.
 *
 * Tab "Karten": every card of the table live, one column per question; hide,
 * show again, correct. Tab "Ergebnisse": cluster cards into results by
 * dragging (finger or mouse, pointer events) or, without dragging, by tapping
 * a card's grip and choosing where it goes (the keyboard path). The server
 * checks the role on every command; the buttons only ask.
 */
(function () {
  "use strict";
  var T = window.Tischrunde;
  var el = T.el;
  var boot = T.readBoot();
  var S = boot.strings;
  var cards = {};
  var results = {};
  var fresh = {};
  var editing = false;
  var dragging = null;
  var questionPos = {};
  var run = null;
  var updateRunBar = T.runBar(document.getElementById("run-bar"), S);
  Array.prototype.forEach.call(document.querySelectorAll("[data-cards-for]"), function (list, i) {
    questionPos[list.getAttribute("data-cards-for")] = i + 1;
  });

  function byRank(a, b) { return (a.rank - b.rank) || (a.created_at - b.created_at); }

  function act(name, payload) {
    return T.ask(live, S, name, payload).then(function (ack) {
      if (ack.ok && ack.card) { cards[ack.card.id] = ack.card; render(); }
      return ack;
    });
  }

  // -- tab "Karten" ----------------------------------------------------------

  function roundBadge(card) {
    return run && run.current_round > 1 && card.round ? el("span", { "class": "badge round", text: S.round_short.replace("%d", card.round) }) : null;
  }

  function cardItem(card) {
    var hidden = card.status === "hidden";
    var pending = card.status === "pending";
    var item = el("li", { "class": "card q" + questionPos[card.question_id] + " " + card.status + (fresh[card.id] ? " fresh" : ""), "data-card": card.id },
      T.cardWords(card, S).concat([
        hidden ? el("p", { "class": "badge", text: S.hidden }) : null,
        card.status === "private" ? el("p", { "class": "badge private", text: S.private_card }) : null,
        card.hold_reason ? el("p", { "class": "badge hold", text: holdText(card.hold_reason) }) : null,
        card.reactions ? el("p", { "class": "reactions", text: "+" + card.reactions + " · " + T.plural(S.agree_n, card.reactions) }) : null,
        roundBadge(card)
      ]));
    var buttons = pending ? [
      el("button", { type: "button", "class": "show primary", text: S.approve, onclick: function () { act("card:show", { id: card.id }); } }),
      el("button", { type: "button", "class": "hide", text: S.reject, onclick: function () { act("card:hide", { id: card.id }); } })
    ] : [
      el("button", {
        type: "button", "class": hidden ? "show" : "hide", text: hidden ? S.show : S.hide,
        onclick: function () { act(hidden ? "card:show" : "card:hide", { id: card.id }); }
      })
    ];
    buttons.push(el("button", { type: "button", "class": "edit", text: S.edit, onclick: function () { startEdit(item, card); } }));
    buttons.push(el("button", { type: "button", "class": "translate", text: S.translate, onclick: function () { startTranslate(item, card); } }));
    if (card.status === "visible") buttons.push(spotlightButton("card", card.id));
    item.appendChild(el("div", { "class": "actions" }, buttons));
    return item;
  }

  /* "An die Wand": this card or result large on the wall; pressed again, it comes down. */
  function spotlightButton(kind, id) {
    var on = run && run.spotlight && run.spotlight.id === id;
    return el("button", { type: "button", "class": "spotlight-button", "aria-pressed": on ? "true" : "false",
      text: on ? S.from_wall : S.to_wall,
      onclick: function () { act("wall:spotlight", on ? {} : { kind: kind, id: id }); } });
  }

  /* Why a card waits: 'enthält eine Telefonnummer', or the listed word it holds. */
  function holdText(reason) {
    if (reason.indexOf("word:") === 0) return S.hold_word + " „" + reason.slice(5) + "“";
    return S["hold_" + reason] || reason;
  }

  /* This table's own moderation mode (a heated table can go to pre-moderation alone). */
  function showTableModeration(table) {
    var select = document.getElementById("table-moderation");
    select.value = table.moderation || "event";
  }
  document.getElementById("table-moderation").addEventListener("change", function (ev) {
    act("moderation:set", { mode: ev.target.value });
  });

  /* Private writing: the table's cards are revealed together, when the moderator says so. */
  function renderReveal() {
    var veiled = T.values(cards).filter(function (c) { return c.status === "private"; }).length;
    document.getElementById("reveal-box").hidden = !veiled;
    document.getElementById("reveal").textContent = S.reveal + " (" + veiled + ")";
  }
  document.getElementById("reveal").addEventListener("click", function () { act("cards:reveal", {}); });

  /* Pre-moderation: the cards waiting for this table's moderators, oldest first. */
  function renderQueue() {
    var box = document.getElementById("queue");
    var waiting = T.values(cards).filter(function (c) { return c.status === "pending"; }).sort(function (a, b) { return a.created_at - b.created_at; });
    box.hidden = !waiting.length;
    var list = document.getElementById("queue-list");
    list.innerHTML = "";
    waiting.forEach(function (c) { list.appendChild(cardItem(c)); });
    document.getElementById("queue-count").textContent = waiting.length;
  }

  /* For the host's summary at the start of a round: what earlier rounds said here. */
  function renderEarlier() {
    var box = document.getElementById("earlier");
    var round = run ? run.current_round : 0;
    var earlier = T.values(cards).filter(function (c) { return c.status === "visible" && c.round < round; });
    box.hidden = !(round > 1 && earlier.length);
    if (box.hidden) return;
    var body = document.getElementById("earlier-body");
    body.innerHTML = "";
    Array.prototype.forEach.call(document.querySelectorAll("[data-cards-for]"), function (list, i) {
      var qid = parseInt(list.getAttribute("data-cards-for"), 10);
      var these = earlier.filter(function (c) { return c.question_id === qid; });
      if (!these.length) return;
      body.appendChild(el("h3", { "class": "q" + (i + 1), dir: "auto", text: document.querySelector("#col-" + qid + " span[dir]").textContent + " (" + these.length + ")" }));
      body.appendChild(el("ul", {}, these.map(function (c) { return el("li", { dir: "auto", text: c.text }); })));
    });
    var res = activeResults();
    if (res.length) {
      body.appendChild(el("h3", { text: S.results }));
      body.appendChild(el("ul", {}, res.map(function (r) { return el("li", { dir: "auto", text: S.kinds[r.kind] + ": " + r.title }); })));
    }
  }

  function startEdit(item, card) {
    editInPlace(item, card.text, function (text) { act("card:edit", { id: card.id, text: text }); });
  }

  /* Add or correct the German translation of a card (the moderator can, like the interpreters). */
  function startTranslate(item, card) {
    editInPlace(item, card.translation || "", function (text) { act("card:translate", { id: card.id, translation: text }); },
      { lang: "de", label: S.translation });
  }

  /* A card's item becomes an edit form; live redraws wait until it is saved or cancelled. */
  function editInPlace(item, text, save, options) {
    editing = true;
    T.editCard(item, text, S, boot.limits.card, function (edited) {
      editing = false;
      save(edited);
      render();
    }, function () { editing = false; render(); }, options);
  }

  function renderColumns() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-cards-for]"), function (list) {
      var qid = parseInt(list.getAttribute("data-cards-for"), 10);
      var column = T.values(cards).filter(function (c) { return c.question_id === qid && c.status !== "pending"; })
        .sort(function (a, b) { return b.created_at - a.created_at; });
      list.innerHTML = "";
      column.forEach(function (c) { list.appendChild(cardItem(c)); });
      if (!column.length) list.appendChild(el("li", { "class": "empty", text: S.no_cards }));
      document.querySelector("[data-count-for='" + qid + "']").textContent =
        column.filter(function (c) { return c.status === "visible"; }).length;
    });
  }

  // -- tab "Ergebnisse" --------------------------------------------------------

  function activeResults() {
    return T.values(results).filter(function (r) { return r.status !== "deleted" && r.table_id === boot.table; }).sort(byRank);
  }

  function cardsIn(resultId) {
    return T.values(cards).filter(function (c) { return (c.result_id || null) === resultId; }).sort(byRank);
  }

  function clusterCard(card) {
    var item = el("li", { "class": "card q" + questionPos[card.question_id] + " " + card.status, "data-card": card.id }, [
      el("button", { type: "button", "class": "grip", "aria-label": S.grip + ": " + card.text, text: "⠿" }),
      el("div", { "class": "card-body" }, T.cardWords(card, S).concat([
        card.status === "hidden" ? el("p", { "class": "badge", text: S.hidden }) : null
      ]))
    ]);
    var grip = item.querySelector(".grip");
    grip.addEventListener("pointerdown", function (ev) { startDrag(ev, item, { card: card.id }); });
    grip.addEventListener("click", function () { if (!grip.dataset.dragged) chooseCardTarget(card); });
    return item;
  }

  function resultBox(result) {
    var inside = cardsIn(result.id);
    var merged = result.status === "merged" && results[result.merged_into];
    var box = el("article", { "class": "result result-kind-" + result.kind + (merged ? " merged" : ""), "data-result": result.id }, [
      el("header", { "class": "result-head" }, [
        el("button", { type: "button", "class": "grip", "aria-label": S.grip_result + ": " + result.title, text: "⠿" }),
        el("span", { "class": "kind kind-" + result.kind, text: S.kinds[result.kind] }),
        el("h3", { dir: "auto", text: result.title }),
        el("span", { "class": "count", text: String(inside.length) })
      ]),
      merged ? el("p", { "class": "small", text: S.merged_with + " „" + merged.title + "“" }) : null,
      result.description ? el("p", { "class": "result-description", dir: "auto", text: result.description }) : null,
      result.next_step ? el("p", { "class": "small", dir: "auto", text: S.next_step + ": " + result.next_step }) : null,
      result.contact ? el("p", { "class": "small", dir: "auto", text: S.contact + ": " + result.contact }) : null,
      paperDots(result)
    ]);
    var list = el("ul", { "class": "card-list drop", "data-drop": result.id });
    inside.forEach(function (c) { list.appendChild(clusterCard(c)); });
    box.appendChild(list);
    box.appendChild(el("div", { "class": "actions" }, [
      el("button", { type: "button", text: S.edit, onclick: function () { openResultDialog(result); } }),
      el("button", { type: "button", text: S.merge, onclick: function () { chooseMergeTarget(result); } }),
      spotlightButton("result", result.id),
      el("button", { type: "button", "class": "hide", text: S.delete, onclick: function () {
        if (window.confirm(S.confirm_delete)) act("result:delete", { id: result.id });
      } })
    ]));
    var grip = box.querySelector(".result-head .grip");
    grip.addEventListener("pointerdown", function (ev) { startDrag(ev, box, { result: result.id }); });
    grip.addEventListener("click", function () { if (!grip.dataset.dragged) chooseResultPlace(result); });
    return box;
  }

  /* In the market place and after it: dots counted on paper, for people without a phone. */
  function paperDots(result) {
    if (!run || (run.phase !== "market" && run.phase !== "closing")) return null;
    var input = el("input", { type: "number", min: 0, max: 10000, value: result.paper_votes || 0, id: "paper-" + result.id, inputmode: "numeric" });
    var form = el("form", { "class": "paper-dots inline" }, [
      el("label", { "for": "paper-" + result.id, text: S.paper_dots }),
      input,
      el("button", { type: "submit", text: S.save })
    ]);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      act("vote:paper", { result: result.id, votes: parseInt(input.value, 10) || 0 });
    });
    return form;
  }

  function renderCluster() {
    var unsorted = document.getElementById("unsorted");
    var loose = cardsIn(null);
    unsorted.innerHTML = "";
    loose.forEach(function (c) { unsorted.appendChild(clusterCard(c)); });
    if (!loose.length) unsorted.appendChild(el("li", { "class": "empty", text: S.no_cards }));
    document.getElementById("unsorted-count").textContent = loose.length;
    var box = document.getElementById("results");
    var list = activeResults();
    box.innerHTML = "";
    list.forEach(function (r) { box.appendChild(resultBox(r)); });
    if (!list.length) box.appendChild(el("p", { "class": "empty", text: S.no_results }));
    document.getElementById("results-count").textContent = list.length;
  }

  function render() {
    if (editing || dragging) return; // never pull the ground from under the moderator's fingers
    T.keepFocus(function () {
      renderReveal();
      renderQueue();
      renderEarlier();
      renderColumns();
      renderCluster();
    });
    fresh = {}; // the arrival highlight plays once, not on every redraw
    applyPendingFocus();
  }

  /* After a move chosen in a dialog, the focus goes where the thing went (once it is drawn there). */
  var pendingFocus = null;
  function applyPendingFocus() {
    var target = pendingFocus && document.querySelector(pendingFocus);
    if (!target) return;
    pendingFocus = null;
    target.focus({ preventScroll: false });
  }

  // -- moving without dragging (tap the grip, or keyboard) ----------------------

  function choose(title, options, focusAfter) {
    var dialog = document.getElementById("choice-dialog");
    document.getElementById("choice-title").textContent = title;
    var list = document.getElementById("choice-list");
    list.innerHTML = "";
    options.forEach(function (option) {
      list.appendChild(el("button", { type: "button", "class": "big-button", "data-result": option.result || null, text: option.label, onclick: function () {
        pendingFocus = focusAfter || null;
        dialog.close();
        option.run();
      } }));
    });
    dialog.showModal();
  }

  function chooseCardTarget(card) {
    var here = card.result_id || null;
    var siblings = cardsIn(here);
    var index = siblings.map(function (c) { return c.id; }).indexOf(card.id);
    var options = [];
    if (index > 0) options.push({ label: "↑ " + S.move_up, run: function () { act("card:assign", { id: card.id, result: here, before: siblings[index - 1].id }); } });
    if (index >= 0 && index < siblings.length - 1) {
      var after = siblings[index + 2];
      options.push({ label: "↓ " + S.move_down, run: function () { act("card:assign", { id: card.id, result: here, before: after ? after.id : null }); } });
    }
    activeResults().forEach(function (r) {
      if (r.id !== here && r.status === "active") options.push({ label: "→ " + r.title, result: r.id, run: function () { act("card:assign", { id: card.id, result: r.id }); } });
    });
    if (here) options.push({ label: "→ " + S.unsorted, run: function () { act("card:assign", { id: card.id, result: null }); } });
    options.push({ label: "+ " + S.new_result, run: function () { openResultDialog(null, [card.id]); } });
    choose(S.move_to, options, "#cluster [data-card='" + card.id + "'] .grip");
    markLikely(card.id, "#choice-list", function () { return document.getElementById("choice-dialog").open; });
  }

  // -- while sorting: the results a card most likely belongs to -----------------
  // Only a hint: asked when the moderator picks a card up; an error or a lost
  // connection shows nothing, and the marks go with the next render.
  function markLikely(cardId, within, stillWanted) {
    live.send("likely", { card: cardId }).then(function (ack) {
      if (!ack.ok || !stillWanted()) return;
      ack.results.forEach(function (id) {
        Array.prototype.forEach.call(document.querySelectorAll(within + " [data-result='" + id + "']"), function (node) {
          node.classList.add("likely");
          (node.querySelector(".result-head") || node).appendChild(el("span", { "class": "likely-badge", text: S.likely }));
        });
      });
    }, function () {});
  }

  function chooseMergeTarget(result) {
    var options = activeResults().filter(function (r) { return r.id !== result.id && r.status === "active"; }).map(function (r) {
      return { label: "→ " + r.title, run: function () { act("result:merge", { source: result.id, target: r.id }); } };
    });
    choose(S.merge_into, options, "#results .result .grip");
  }

  function chooseResultPlace(result) {
    var list = activeResults();
    var index = list.map(function (r) { return r.id; }).indexOf(result.id);
    var options = [];
    if (index > 0) options.push({ label: "↑ " + S.move_up, run: function () { nudgeResult(result, -1); } });
    if (index < list.length - 1) options.push({ label: "↓ " + S.move_down, run: function () { nudgeResult(result, 1); } });
    choose(S.grip_result + ": " + result.title, options, "[data-result='" + result.id + "'] .grip");
  }

  function nudgeResult(result, step) {
    var list = activeResults();
    var index = list.map(function (r) { return r.id; }).indexOf(result.id);
    var target = index + step;
    if (target < 0 || target >= list.length) return;
    var before = step < 0 ? list[target].id : (list[target + 1] ? list[target + 1].id : null);
    act("result:move", { id: result.id, before: before });
  }

  // -- dragging with finger or mouse (pointer events) ----------------------------

  function startDrag(ev, node, what) {
    if (ev.button !== undefined && ev.button !== 0) return;
    var grip = ev.currentTarget;
    var start = { x: ev.clientX, y: ev.clientY };
    var ghost = null;
    delete grip.dataset.dragged;
    grip.setPointerCapture(ev.pointerId);

    function move(e) {
      if (!ghost) {
        if (Math.abs(e.clientX - start.x) + Math.abs(e.clientY - start.y) < 8) return;
        dragging = what;
        grip.dataset.dragged = "1";
        ghost = node.cloneNode(true);
        ghost.className += " ghost";
        ghost.style.width = node.getBoundingClientRect().width + "px";
        document.body.appendChild(ghost);
        node.classList.add("dragging");
        if (what.card) markLikely(what.card, "#results", function () { return dragging === what; });
      }
      ghost.style.transform = "translate(" + (e.clientX + 8) + "px," + (e.clientY + 8) + "px)";
      markDropZone(e.clientX, e.clientY);
      scrollNearEdge(e.clientX, e.clientY);
    }

    function end(e) {
      grip.removeEventListener("pointermove", move);
      grip.removeEventListener("pointerup", end);
      grip.removeEventListener("pointercancel", end);
      if (!ghost) return;
      ghost.parentNode.removeChild(ghost);
      node.classList.remove("dragging");
      markDropZone(-1, -1);
      var drop = e.type === "pointerup" ? dropTarget(e.clientX, e.clientY, what) : null;
      dragging = null;
      if (drop) act(drop.name, drop.payload);
      render();
      setTimeout(function () { delete grip.dataset.dragged; }, 0);
    }

    grip.addEventListener("pointermove", move);
    grip.addEventListener("pointerup", end);
    grip.addEventListener("pointercancel", end);
    ev.preventDefault();
  }

  /* Dragging near the top or bottom edge of a pane scrolls it, so every result can be reached. */
  function scrollNearEdge(x, y) {
    var under = document.elementFromPoint(x, y);
    var pane = under && under.closest(".pane");
    if (!pane) return;
    var box = pane.getBoundingClientRect();
    if (y > box.bottom - 48) pane.scrollTop += 16;
    else if (y < box.top + 48) pane.scrollTop -= 16;
  }

  function markDropZone(x, y) {
    Array.prototype.forEach.call(document.querySelectorAll(".drop-over"), function (n) { n.classList.remove("drop-over"); });
    var under = x >= 0 ? document.elementFromPoint(x, y) : null;
    var zone = under && (under.closest("[data-drop]") || under.closest("[data-result]"));
    if (zone) zone.classList.add("drop-over");
  }

  /* Where a drop lands: a card into a result or "unsorted" (before the card under
   * the finger, when in its upper half), or a result before another result. */
  function dropTarget(x, y, what) {
    var under = document.elementFromPoint(x, y);
    if (!under) return null;
    if (what.card) {
      var zone = under.closest("[data-drop]");
      if (!zone) {
        var box = under.closest("[data-result]");
        zone = box && box.querySelector("[data-drop]");
      }
      if (!zone) return null;
      var resultId = zone.getAttribute("data-drop") || null;
      var before = null;
      var over = under.closest("[data-card]");
      if (over && over.getAttribute("data-card") !== what.card && zone.contains(over)) {
        var box = over.getBoundingClientRect();
        var next = over.nextElementSibling;
        before = y < box.top + box.height / 2 ? over.getAttribute("data-card") : (next && next.getAttribute("data-card"));
      }
      return { name: "card:assign", payload: { id: what.card, result: resultId, before: before || null } };
    }
    var target = under.closest("[data-result]");
    if (!target || target.getAttribute("data-result") === what.result) return null;
    return { name: "result:move", payload: { id: what.result, before: target.getAttribute("data-result") } };
  }

  // -- creating and editing results -------------------------------------------

  var dialog = document.getElementById("result-dialog");
  var form = document.getElementById("result-form");
  var dialogState = null;

  function openResultDialog(result, cardIds) {
    dialogState = { result: result, cards: cardIds || [] };
    form.reset();
    var data = result || { kind: "project_idea", title: "", description: "", next_step: "", contact: "" };
    form.querySelector("input[name=kind][value='" + data.kind + "']").checked = true;
    ["title", "description", "next_step", "contact"].forEach(function (k) { form.elements[k].value = data[k] || ""; });
    document.getElementById("result-error").hidden = true;
    dialog.showModal();
    form.elements.title.focus();
  }

  form.addEventListener("submit", function (ev) {
    var submitter = ev.submitter;
    if (submitter && submitter.value === "cancel") return; // the dialog closes itself
    ev.preventDefault();
    var fields = {
      kind: form.querySelector("input[name=kind]:checked").value,
      title: form.elements.title.value, description: form.elements.description.value,
      next_step: form.elements.next_step.value, contact: form.elements.contact.value
    };
    var id = dialogState.result ? dialogState.result.id : T.uuid4();
    var request = dialogState.result
      ? act("result:update", Object.assign({ id: id }, fields))
      : act("result:create", Object.assign({ id: id, cards: dialogState.cards }, fields));
    var moved = dialogState.cards[0];
    request.then(function (ack) {
      if (ack.ok) {
        pendingFocus = moved ? "#cluster [data-card='" + moved + "'] .grip" : "[data-result='" + id + "'] .grip";
        dialog.close();
        applyPendingFocus();
        return;
      }
      var error = document.getElementById("result-error");
      error.textContent = ack.error ? ack.error.message : S.offline;
      error.hidden = false;
    });
  });

  document.getElementById("new-result").addEventListener("click", function () { openResultDialog(null); });
  document.getElementById("undo").addEventListener("click", function () {
    act("undo", {}).then(function (ack) { if (ack.ok) T.statusLine(S.undone, true); });
  });

  // -- suggestions --------------------------------------------------------------

  document.getElementById("suggest").addEventListener("click", function () {
    T.ask(live, S, "suggest", {}).then(function (ack) {
      if (ack.ok) showSuggestions(ack.groups);
    });
  });

  function showSuggestions(groups) {
    var section = document.getElementById("suggestions");
    var list = document.getElementById("suggestion-list");
    list.innerHTML = "";
    section.hidden = false;
    if (!groups.length) list.appendChild(el("p", { "class": "empty", text: S.no_suggestions }));
    groups.forEach(function (group) {
      var title = el("input", { value: group.title, maxlength: boot.limits.title, dir: "auto", "aria-label": S.new_result });
      var checks = group.cards.map(function (card) {
        return el("label", { "class": "suggested-card" }, [
          el("input", { type: "checkbox", checked: "checked", value: card.id }), el("span", { dir: "auto", text: card.text })
        ]);
      });
      var kind = el("select", { "aria-label": S.kinds[group.kind] }, Object.keys(S.kinds).map(function (k) {
        return el("option", { value: k, selected: k === group.kind ? "selected" : null, text: S.kinds[k] });
      }));
      var box = el("article", { "class": "suggestion" }, [kind, title].concat(checks));
      box.appendChild(el("div", { "class": "actions" }, [
        el("button", { type: "button", "class": "primary", text: S.accept, onclick: function () {
          var chosen = checks.map(function (l) { return l.querySelector("input"); }).filter(function (i) { return i.checked; })
            .map(function (i) { return i.value; });
          act("result:create", { id: T.uuid4(), kind: kind.value, title: title.value, cards: chosen }).then(function (ack) {
            if (ack.ok) box.parentNode.removeChild(box);
          });
        } }),
        el("button", { type: "button", text: S.ignore, onclick: function () { box.parentNode.removeChild(box); } })
      ]));
      list.appendChild(box);
    });
  }

  // -- tabs ----------------------------------------------------------------------

  function showTab(name) {
    var cardsTab = name === "cards";
    document.getElementById("board").hidden = !cardsTab;
    document.getElementById("cluster").hidden = cardsTab;
    document.getElementById("tab-cards").setAttribute("aria-selected", String(cardsTab));
    document.getElementById("tab-results").setAttribute("aria-selected", String(!cardsTab));
    try { sessionStorage.setItem("tischrunde:tab", name); } catch (e) { /* ignore */ }
  }
  document.getElementById("tab-cards").addEventListener("click", function () { showTab("cards"); });
  document.getElementById("tab-results").addEventListener("click", function () { showTab("results"); });
  try { if (sessionStorage.getItem("tischrunde:tab") === "results") showTab("results"); } catch (e) { /* ignore */ }

  // -- a card for someone without a phone -----------------------------------------

  document.getElementById("record-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var form = ev.target;
    var payload = {
      id: T.uuid4(), question: parseInt(form.question.value, 10), text: form.text.value.trim(),
      lang: form.lang.value, translation: form.translation.value.trim(), name: form.name.value.trim()
    };
    if (!payload.text) { form.text.focus(); return; }
    act("card:record", payload).then(function (ack) {
      if (!ack.ok) return;
      form.text.value = "";
      form.translation.value = "";
      form.name.value = "";
      T.statusLine(S.recorded, true);
      form.text.focus();
    });
  });

  // -- live state ------------------------------------------------------------------

  var live = T.connect(boot, {
    snapshot: function (state) {
      cards = state.cards;  // the server sends a moderator only the cards of its table
      results = state.results;
      state.tables.forEach(function (t) {
        if (t.id !== boot.table) return;
        document.getElementById("table-name").textContent = t.name;
        showTableModeration(t);
      });
      run = state.event;
      updateRunBar(run);
      render();
    },
    change: function (change) {
      if (change.card) {
        if (change.type === "card.posted" && cards[change.card.id]) fresh[change.card.id] = true;
      } else if (change.event) {
        run = change.event;
        updateRunBar(run);
      } else if (change.table && change.table.id === boot.table) {
        showTableModeration(change.table);
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

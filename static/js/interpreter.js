/* Sprachmittlung (interpreters): translate cards that are not in German, and give table names,
 * questions and result titles their wording in the languages the event offers.
 *
 * The page renders from live.js's state. What an interpreter is typing is kept in `drafts`
 * and focus is put back after every redraw (T.keepFocus), so cards arriving never eat a translation.
 */
(function () {
  "use strict";
  var T = window.Tischrunde;
  var el = T.el;
  var boot = T.readBoot();
  var S = boot.strings;
  var state = null;
  var drafts = {};

  function tableName(id) { return T.tableName(state.tables, id); }

  function questionText(id) {
    var q = state.questions.filter(function (x) { return x.id === id; })[0];
    return q ? q.text : "";
  }

  function send(name, payload) {
    return T.ask(live, S, name, payload, S.saved);
  }

  /* Keep what is typed, and the focus, across a redraw. */
  function draftInput(node, key, value) {
    node.id = key;
    node.value = drafts[key] !== undefined ? drafts[key] : value;
    node.addEventListener("input", function () { drafts[key] = node.value; });
    return node;
  }

  // -- cards ---------------------------------------------------------------------

  /* (Re)fill a select with options [{value, text, lang}], keeping ``chosen`` selected. */
  function fillSelect(select, options, chosen) {
    select.innerHTML = "";
    options.forEach(function (o) {
      var option = el("option", { value: o.value, lang: o.lang || null, text: o.text });
      if (o.value === chosen) option.selected = true;
      select.appendChild(option);
    });
    return select;
  }

  function languageOption(code) {
    return { value: code, lang: code, text: (S.language_names || {})[code] || code };
  }

  function languageOptions(selected) {
    var codes = Object.keys(S.language_names || {}).filter(function (code) { return code !== "de"; });
    return fillSelect(el("select", {}), [{ value: "", text: "?" }].concat(codes.map(languageOption)), selected);
  }

  function cardsToTranslate() {
    var table = document.getElementById("filter-table").value;
    var lang = document.getElementById("filter-lang").value;
    var open = document.getElementById("filter-open").checked;
    return T.values(state.cards).filter(function (c) {
      return c.lang !== "de" && (!table || String(c.table_id) === table) && (!lang || c.lang === lang) &&
        (!open || !c.translation || drafts["tr-" + c.id] !== undefined);
    }).sort(function (a, b) { return b.created_at - a.created_at; });
  }

  function cardItem(card) {
    var key = "tr-" + card.id;
    var area = draftInput(el("textarea", { rows: 2, lang: "de", maxlength: boot.limits.card, "aria-label": S.translation }), key, card.translation || "");
    var lang = languageOptions(card.lang);
    lang.id = "lang-" + card.id;
    lang.setAttribute("aria-label", S.language || "Sprache");
    var form = el("form", { "class": "translate-form" }, [
      el("label", { "for": key, text: S.translation + " (Deutsch)" }), area,
      el("div", { "class": "inline wrap" }, [lang, el("button", { type: "submit", "class": "primary", text: S.save })])
    ]);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      send("card:translate", { id: card.id, translation: area.value.trim(), lang: lang.value }).then(function (ack) {
        if (ack.ok) { delete drafts[key]; render(); }
      });
    });
    return el("li", { "class": "card " + card.status, "data-card": card.id }, [
      el("p", { "class": "small" }, [tableName(card.table_id) + " · ", el("span", { dir: "auto", text: questionText(card.question_id) })]),
      el("p", { "class": "card-text", dir: "auto", lang: card.lang || null, text: card.text }),
      card.status === "pending" ? el("p", { "class": "badge pending", text: S.pending_approval }) : null,
      form
    ]);
  }

  function renderFilters() {
    var tableSelect = document.getElementById("filter-table");
    var tables = state.tables.map(function (t) { return { value: String(t.id), text: t.name }; });
    fillSelect(tableSelect, [{ value: "", text: S.all_tables }].concat(tables), tableSelect.value);
    var langSelect = document.getElementById("filter-lang");
    var present = {};
    T.values(state.cards).forEach(function (c) { if (c.lang && c.lang !== "de") present[c.lang] = true; });
    fillSelect(langSelect, [{ value: "", text: S.all_languages }].concat(Object.keys(present).map(languageOption)), langSelect.value);
  }

  function renderCards() {
    var list = document.getElementById("to-translate");
    var cards = cardsToTranslate();
    list.innerHTML = "";
    cards.forEach(function (c) { list.appendChild(cardItem(c)); });
    if (!cards.length) list.appendChild(el("li", { "class": "empty", text: S.nothing_to_translate }));
    document.getElementById("card-count").textContent = String(cards.length);
  }

  // -- table names, questions, result titles --------------------------------------------

  function wordingRow(kind, thing, original, limit) {
    var fields = el("div", { "class": "wording-fields" });
    state.event.languages.forEach(function (code) {
      if (code === "de") return;
      var key = "i18n-" + kind + "-" + thing.id + "-" + code;
      var input = draftInput(el("input", { lang: code, dir: "auto", maxlength: limit }), key, (thing.i18n || {})[code] || "");
      input.addEventListener("change", function () {
        send("text:translate", { kind: kind, id: thing.id, lang: code, text: input.value.trim() }).then(function (ack) {
          if (ack.ok) delete drafts[key];
        });
      });
      fields.appendChild(el("label", { "for": key, "class": "wording-field" }, [
        el("span", { lang: code, text: (S.language_names || {})[code] || code }), input
      ]));
    });
    return el("div", { "class": "wording" }, [el("p", { "class": "wording-original", dir: "auto", lang: "de", text: original }), fields]);
  }

  function renderTexts() {
    var box = document.getElementById("texts");
    box.innerHTML = "";
    state.tables.forEach(function (t) {
      var section = el("section", { "class": "wording-table" }, [el("h3", { dir: "auto", text: t.name })]);
      section.appendChild(wordingRow("table", t, t.name, boot.limits.title));
      state.questions.filter(function (q) { return q.table_id === t.id; }).forEach(function (q) {
        section.appendChild(wordingRow("question", q, q.text, boot.limits.question));
      });
      T.values(state.results).filter(function (r) { return r.table_id === t.id && r.status === "active"; })
        .sort(function (a, b) { return a.rank - b.rank; })
        .forEach(function (r) { section.appendChild(wordingRow("result", r, S.kinds[r.kind] + ": " + r.title, boot.limits.title)); });
      box.appendChild(section);
    });
  }

  function render() {
    if (!state) return;
    T.keepFocus(function () { renderFilters(); renderCards(); renderTexts(); });
  }

  ["filter-table", "filter-lang", "filter-open"].forEach(function (id) {
    document.getElementById(id).addEventListener("change", render);
  });

  var live = T.connect(boot, {
    snapshot: function (s) { state = s; render(); },
    change: function () { render(); },
    status: T.statusLine
  });
})();

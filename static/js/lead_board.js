/* Lead's synthesis board: the results of every table on one screen; merge the
 * same idea across tables, say to whom each result is addressed, and follow each
 * result up after the evening (who, by when, how far, news). */
(function () {
  "use strict";
  var T = window.Tischrunde;
  var el = T.el;
  var boot = T.readBoot();
  var S = boot.strings;
  var tables = [];
  var results = {};
  var cards = {};
  var event = {};
  // The follow-up link's page: only the follow-up of each result (no merging, no addressee).
  var followOnly = boot.role === "followup";
  var renderLater = false;

  function act(name, payload) {
    return T.ask(live, S, name, payload, S.saved).then(function (ack) {
      if (ack.offline) return ack;
      if (ack.ok && ack.result) results[ack.result.id] = ack.result;
      render();
      return ack;
    });
  }

  function tableName(id) { return T.tableName(tables, id); }

  function all() { return T.values(results).filter(function (r) { return r.status !== "deleted"; }); }

  function select(label, options, current, onChange) {
    var node = el("select", { "aria-label": label }, options.map(function (o) {
      return el("option", { value: o.value, selected: o.value === current ? "selected" : null, text: o.label });
    }));
    node.addEventListener("change", function () { onChange(node.value); });
    return node;
  }

  function resultCard(r) {
    var count = Object.keys(cards).filter(function (id) { return cards[id].result_id === r.id; }).length;
    var box = el("article", { "class": "result result-kind-" + r.kind + (r.status === "merged" ? " merged" : ""), "data-result": r.id }, [
      el("p", {}, [el("span", { "class": "kind kind-" + r.kind, text: S.kinds[r.kind] }), " ", el("span", { "class": "count", text: T.plural(S.cards_n, count) })]),
      el("h3", { dir: "auto", text: r.title }),
      r.description ? el("p", { "class": "result-description", dir: "auto", text: r.description }) : null
    ]);
    if (followOnly) {
      if (r.status !== "merged") box.appendChild(followUp(r));
      return box;
    }
    if (r.status === "merged") {
      var target = results[r.merged_into];
      box.appendChild(el("p", { "class": "small", text: S.merged_with + " „" + (target ? target.title : "?") + "“ (" + S.table + " " + (target ? tableName(target.table_id) : "") + ")" }));
      box.appendChild(el("button", { type: "button", text: S.unmerge, onclick: function () { act("result:unmerge", { id: r.id }); } }));
      return box;
    }
    var addressees = [{ value: "", label: S.none }].concat(Object.keys(S.addressees).map(function (k) { return { value: k, label: S.addressees[k] }; }));
    box.appendChild(el("label", { "class": "small" }, [S.addressee + " ", select(S.addressee, addressees, r.addressee || "", function (value) {
      act("result:update", { id: r.id, addressee: value });
    })]));
    var targets = [{ value: "", label: S.merge_into }].concat(all().filter(function (o) { return o.id !== r.id && o.status === "active"; }).map(function (o) {
      return { value: o.id, label: tableName(o.table_id) + ": " + o.title };
    }));
    box.appendChild(select(S.merge_into, targets, "", function (value) {
      if (value) act("result:merge", { source: r.id, target: value });
    }));
    box.appendChild(topicChoice(r));
    box.appendChild(followUp(r));
    return box;
  }

  // -- topics: optional tags, and a filter for the board (and the record) ------------
  var topic = "";

  function topicChoice(r) {
    var mine = r.tags || [];
    return el("fieldset", { "class": "topics" }, [el("legend", { text: S.topic_filter })].concat(Object.keys(S.topics).map(function (key) {
      var box = el("input", { type: "checkbox", value: key, checked: mine.indexOf(key) >= 0 ? "checked" : null });
      box.addEventListener("change", function () {
        var tags = Object.keys(S.topics).filter(function (k) { return k === key ? box.checked : mine.indexOf(k) >= 0; });
        act("result:update", { id: r.id, tags: tags });
      });
      return el("label", { "class": "topic" }, [box, " " + S.topics[key]]);
    })));
  }

  if (!followOnly) document.getElementById("topic-filter").addEventListener("change", function (ev) {
    topic = ev.target.value;
    var link = document.getElementById("topic-record");
    link.hidden = !topic;
    link.href = link.href.split("?")[0] + (topic ? "?topic=" + topic : "");
    render();
  });

  // -- after the evening: who, by when, how far, news -----------------------------
  function followUp(r) {
    var actors = (event.actors || []).slice();
    if (r.responsible && actors.indexOf(r.responsible) < 0) actors.unshift(r.responsible);
    var who = select(S.responsible, [{ value: "", label: S.none }].concat(actors.map(function (a) { return { value: a, label: a }; })),
      r.responsible || "", function () {});
    var due = el("input", { type: "date", value: r.due || "", "aria-label": S.due });
    var state = select(S.progress_label, Object.keys(S.progress).map(function (k) { return { value: k, label: S.progress[k] }; }),
      r.progress || "open", function (value) { reason.hidden = value !== "not_feasible"; });
    var reason = el("input", { type: "text", value: r.reason || "", maxlength: boot.limits.reason, dir: "auto",
      placeholder: S.reason, "aria-label": S.reason });
    reason.hidden = (r.progress || "open") !== "not_feasible";
    var save = el("button", { type: "button", "class": "primary", text: S.save, onclick: function () {
      act("result:follow", { id: r.id, responsible: who.value, due: due.value, progress: state.value, reason: reason.value });
    } });
    var news = el("ul", { "class": "news" }, (r.news || []).slice().reverse().map(function (n) {
      return el("li", {}, [el("span", { dir: "auto", text: new Date(n.at * 1000).toLocaleDateString(document.documentElement.lang) + ": " + n.text }), " ",
        el("button", { type: "button", "class": "link", text: S.remove, onclick: function () { act("news:remove", { result: r.id, id: n.id }); } })]);
    }));
    var text = el("textarea", { rows: "2", maxlength: boot.limits.news, dir: "auto", "aria-label": S.add_news });
    var add = el("button", { type: "button", text: S.add_news, onclick: function () {
      if (!text.value.trim()) return;
      act("news:add", { result: r.id, id: T.uuid4(), text: text.value }).then(function (ack) { if (ack.ok) text.value = ""; });
    } });
    var signup = followOnly ? null : el("label", {}, [S.signup + " ", select(S.signup,
      Object.keys(S.signup_states).map(function (k) { return { value: k, label: S.signup_states[k] }; }), r.signup || "",
      function (value) { act("signup:set", { id: r.id, signup: value }); })]);
    return el("fieldset", { "class": "follow-up" }, [
      el("legend", { text: S.follow_up }), signup,
      el("label", {}, [S.responsible + " ", who]), el("label", {}, [S.due + " ", due]),
      el("label", {}, [S.progress_label + " ", state]), reason, save,
      el("p", { "class": "small", text: S.news }), news, text, add
    ]);
  }

  if (!followOnly) document.getElementById("save-actors").addEventListener("click", function () {
    var lines = document.getElementById("actors").value.split("\n").map(function (l) { return l.trim(); }).filter(Boolean);
    act("actors:set", { actors: lines });
  });

  function showActors() {
    var box = document.getElementById("actors");
    if (box && document.activeElement !== box) box.value = (event.actors || []).join("\n");
  }

  // Never rebuild the board under the lead's typing: a change that arrives meanwhile
  // is drawn when the field is left.
  function typing() {
    var active = document.activeElement;
    var entering = active && (active.tagName === "TEXTAREA" || (active.tagName === "INPUT" && /^(text|date|number)$/.test(active.type)));
    return entering && document.getElementById("synthesis").contains(active);
  }

  document.getElementById("synthesis").addEventListener("focusout", function () {
    setTimeout(function () { if (renderLater && !typing()) render(); }, 0);
  });

  function render() {
    if (typing()) { renderLater = true; return; }
    renderLater = false;
    showActors();
    var grid = document.getElementById("synthesis");
    grid.innerHTML = "";
    tables.forEach(function (t) {
      var list = all().filter(function (r) { return r.table_id === t.id && (!topic || (r.tags || []).indexOf(topic) >= 0); }).sort(function (a, b) { return a.rank - b.rank; });
      var column = el("section", { "class": "synthesis-table", "data-table": t.id }, [el("h2", { dir: "auto", text: t.name })]);
      list.forEach(function (r) { column.appendChild(resultCard(r)); });
      if (!list.length) column.appendChild(el("p", { "class": "empty", text: S.no_results }));
      grid.appendChild(column);
    });
  }

  if (!followOnly) document.getElementById("undo").addEventListener("click", function () {
    live.send("undo", {}).then(function (ack) {
      T.statusLine(ack.ok ? S.undone : S.error + ": " + ack.error.message, ack.ok);
    });
  });

  var live = T.connect(boot, {
    snapshot: function (state) {
      tables = state.tables;
      results = state.results;
      cards = state.cards;
      event = state.event;
      render();
    },
    change: function (change, state) { event = state.event; render(); },
    status: T.statusLine
  });
})();

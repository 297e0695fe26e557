/* Lead's synthesis board: the results of every table on one screen; merge the
 * same idea across tables, say to whom each result is addressed. */
(function () {
  "use strict";
  var T = window.Tischrunde;
  var el = T.el;
  var boot = T.readBoot();
  var S = boot.strings;
  var tables = [];
  var results = {};
  var cards = {};

  function act(name, payload) {
    return T.ask(live, S, name, payload, S.saved).then(function (ack) {
      if (ack.offline) return ack;
      if (ack.ok && ack.result) results[ack.result.id] = ack.result;
      render();
      return ack;
    });
  }

  function tableName(id) {
    var table = tables.filter(function (t) { return t.id === id; })[0];
    return table ? table.name : "";
  }

  function all() { return Object.keys(results).map(function (id) { return results[id]; }).filter(function (r) { return r.status !== "deleted"; }); }

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
    return box;
  }

  function render() {
    var grid = document.getElementById("synthesis");
    grid.innerHTML = "";
    tables.forEach(function (t) {
      var list = all().filter(function (r) { return r.table_id === t.id; }).sort(function (a, b) { return a.rank - b.rank; });
      var column = el("section", { "class": "synthesis-table", "data-table": t.id }, [el("h2", { dir: "auto", text: t.name })]);
      list.forEach(function (r) { column.appendChild(resultCard(r)); });
      if (!list.length) column.appendChild(el("p", { "class": "empty", text: S.no_results }));
      grid.appendChild(column);
    });
  }

  document.getElementById("undo").addEventListener("click", function () {
    live.send("undo", {}).then(function (ack) {
      T.statusLine(ack.ok ? S.undone : S.error + ": " + ack.error.message, ack.ok);
    });
  });

  var live = T.connect(boot, {
    snapshot: function (state) {
      tables = state.tables;
      results = state.results;
      cards = state.cards;
      render();
    },
    change: function () { render(); },
    status: T.statusLine
  });
})();

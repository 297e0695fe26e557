/* Runs the pages' own state rule (static/js/live.js: emptyState, loadSnapshot, applyChange)
 * under Node, so tests/test_views.py checks the real client, not a copy of it.
 * stdin: [{snapshot, changes: [change, ...]}, ...]; stdout: the state after each case. */
"use strict";
var rule = require("./load_live")().stateRule;

var cases = JSON.parse(require("fs").readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(cases.map(function (one) {
  var state = rule.emptyState();
  rule.loadSnapshot(state, one.snapshot);
  one.changes.forEach(function (change) { rule.applyChange(state, change); });
  return state;
})));

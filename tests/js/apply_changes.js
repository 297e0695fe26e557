/* Runs the pages' own state rule (static/js/live.js: emptyState, loadSnapshot, applyChange)
 * under Node, so tests/test_views.py checks the real client, not a copy of it.
 * stdin: [{snapshot, changes: [change, ...]}, ...]; stdout: the state after each case. */
"use strict";
var fs = require("fs");
var path = require("path");
var vm = require("vm");

var noop = function () {};
// live.js reads the page language and listens for focus when it loads; nothing else of the page.
var page = { addEventListener: noop, getElementById: function () { return null; }, documentElement: { getAttribute: function () { return "de"; } } };
var sandbox = { window: {}, document: page };
vm.createContext(sandbox);
vm.runInContext(fs.readFileSync(path.join(__dirname, "..", "..", "static", "js", "live.js"), "utf8"), sandbox);
var rule = sandbox.window.Tischrunde.stateRule;

var cases = JSON.parse(fs.readFileSync(0, "utf8"));
var states = cases.map(function (one) {
  var state = rule.emptyState();
  rule.loadSnapshot(state, one.snapshot);
  one.changes.forEach(function (change) { rule.applyChange(state, change); });
  return state;
});
process.stdout.write(JSON.stringify(states));

// Jest's test order (jest.config.js `testSequencer`): jest's own (failures first, then the
// longest recorded, else the largest file), except that the system tests known to take longest
// start first. On a fresh clone jest has no recorded times and would start the packed-tarball
// test (a small file, ~10 s of npm pack, npm install and tsc) last, leaving one core idle at the end.
"use strict";
const path = require("path");
const Sequencer = require("@jest/test-sequencer").default;

/** Test files (names under test/) to start first, in this order. */
const LONGEST = ["consumer", "synth-equivalence", "workflows", "deploy-guard", "config-hardening"];

const rank = (test) => {
  const i = LONGEST.indexOf(path.basename(test.path, ".test.ts"));
  return i < 0 ? LONGEST.length : i;
};

class LongestFirst extends Sequencer {
  sort(tests) {
    // Array sort is stable: files of equal rank keep jest's order.
    return [...super.sort(tests)].sort((a, b) => rank(a) - rank(b));
  }
}

module.exports = LongestFirst;

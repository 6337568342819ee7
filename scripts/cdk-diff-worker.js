#!/usr/bin/env node
// cdk-diff-worker.js runs `cdk diff` commands of the pinned CDK CLI
// (node_modules/aws-cdk) one after another in this one Node process, so that
// the CLI's 16 MB bundle is loaded once rather than once per diff (0.6 s of
// CPU each). The tests use it (test/cdkdiff_test.go), where
// TestCdkDiffWorkerMatchesCLI checks that its output and exit code are the
// CLI's own, byte for byte.
//
// Protocol: one JSON request per line on stdin, {"args": ["diff", ...]};
// one JSON answer per line on stdout, in order: {"out": TEXT, "code": N},
// where TEXT is everything the command wrote to stdout and stderr, in the
// order written, and N its exit code; or {"error": MESSAGE} when the command
// threw, which the CLI would print with its own formatting, so that the
// caller runs that one as a process of its own instead.
//
// Run it from the repository root (the CLI reads cdk.json from the current
// directory), with CDK_DISABLE_CLI_TELEMETRY and CDK_DISABLE_VERSION_CHECK
// set as the tests set them.
'use strict';

const path = require('path');
const readline = require('readline');

const { exec } = require(path.join(process.cwd(), 'node_modules', 'aws-cdk', 'lib'));

const answer = process.stdout.write.bind(process.stdout);
const streams = [process.stdout, process.stderr];
const writes = streams.map((s) => s.write);

// capture redirects what the CLI writes to stdout and stderr into chunks,
// and returns the function that restores both streams.
function capture(chunks) {
  for (const s of streams) {
    s.write = (chunk, encoding, cb) => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const done = typeof encoding === 'function' ? encoding : cb;
      if (done) process.nextTick(done);
      return true;
    };
  }
  return () => streams.forEach((s, i) => { s.write = writes[i]; });
}

async function run(args) {
  const chunks = [];
  const restore = capture(chunks);
  process.exitCode = undefined;
  try {
    const code = await exec(args);
    return { out: chunks.join(''), code: typeof code === 'number' ? code : (process.exitCode ?? 0) };
  } catch (err) {
    return { error: String(err && err.message ? err.message : err) };
  } finally {
    restore();
    process.exitCode = undefined;
  }
}

async function main() {
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    let answerOf;
    try {
      const { args } = JSON.parse(line);
      if (!Array.isArray(args) || args[0] !== 'diff') {
        throw new Error(`want {"args": ["diff", ...]}, got ${line}`);
      }
      answerOf = await run(args);
    } catch (err) {
      answerOf = { error: String(err && err.message ? err.message : err) };
    }
    answer(JSON.stringify(answerOf) + '\n');
  }
}

main().catch((err) => {
  process.stderr.write(`cdk-diff-worker: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});

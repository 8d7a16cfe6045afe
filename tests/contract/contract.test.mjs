// The API contract, checked from outside: a real release `duijie serve` (with its demo catalog)
// serves /api/openapi.json; Redocly's linter (an OpenAPI tool independent of the Rust code that
// writes the document) must find no problem in it; and a TypeScript client generated from it
// (openapi-typescript + openapi-fetch), type-checked by tsc, calls POST /api/v1/match.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const bin = process.env.DUIJIE_BIN || join(root, 'target/release/duijie');
const generated = join(here, 'generated');
const tools = join(here, 'node_modules/.bin');

let server;

/** Starts `duijie serve` on port 0 with a fresh data folder (demo catalog) and waits for its address. */
async function startServer() {
  const data = mkdtempSync(join(tmpdir(), 'duijie-contract-'));
  const child = spawn(bin, ['serve', '--data', data, '--addr', '127.0.0.1:0', '--workers', '2'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const base = await new Promise((resolveBase, reject) => {
    const timer = setTimeout(() => reject(new Error(`duijie serve did not start:\n${output}`)), 60000);
    const onData = (chunk) => {
      output += chunk;
      const found = output.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (found) { clearTimeout(timer); resolveBase(found[1]); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`duijie serve exited ${code}:\n${output}`)); });
  });
  child.removeAllListeners('exit');
  return {
    base,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((done) => { child.once('exit', done); setTimeout(done, 10000); });
      rmSync(data, { recursive: true, force: true });
    },
  };
}

/** Runs a tool from node_modules/.bin; fails the test with its output when it fails. */
function run(tool, args) {
  const result = spawnSync(join(tools, tool), args, { cwd: here, encoding: 'utf8' });
  if (result.error) throw result.error;
  return result;
}

before(async () => {
  server = await startServer();
  rmSync(generated, { recursive: true, force: true });
  mkdirSync(generated, { recursive: true });
  const response = await fetch(`${server.base}/api/openapi.json`);
  assert.equal(response.status, 200);
  writeFileSync(join(generated, 'openapi.json'), await response.text());
});

after(async () => {
  await server?.stop();
});

test('the served document passes Redocly lint (recommended rules) without errors or warnings', () => {
  const result = run('redocly', ['lint', 'generated/openapi.json', '--format', 'json']);
  let report;
  try {
    report = JSON.parse(result.stdout);
  } catch {
    assert.fail(`redocly lint printed no report:\n${result.stdout}\n${result.stderr}`);
  }
  const problems = report.problems.map((problem) => `${problem.severity} ${problem.ruleId}: ${problem.message} at ${JSON.stringify(problem.location)}`);
  assert.deepEqual(problems, []);
  assert.equal(report.totals.errors, 0);
  assert.equal(report.totals.warnings, 0);
  assert.equal(result.status, 0, result.stderr);
});

test('a client generated from the document calls POST /api/v1/match', async () => {
  let result = run('openapi-typescript', ['generated/openapi.json', '--output', 'generated/schema.d.ts']);
  assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
  // Type-check the calls against the generated types, then run them.
  result = run('tsc', ['-p', 'tsconfig.json']);
  assert.equal(result.status, 0, `tsc:\n${result.stdout}\n${result.stderr}`);
  const client = await import(join(generated, 'js/client.js'));

  const answer = await client.matchNeed(server.base);
  assert.match(answer.catalog_version, /^c-/);
  assert.ok(answer.results.length > 0 && answer.results.length <= 5, JSON.stringify(answer).slice(0, 300));
  let previous = Infinity;
  for (const result of answer.results) {
    assert.equal(typeof result.id, 'string');
    assert.ok(result.score >= 0 && result.score <= 1 && result.score <= previous, `${result.score}`);
    previous = result.score;
    assert.ok(result.components.every((c) => typeof c.name === 'string' && typeof c.applies === 'boolean'));
    assert.ok(Array.isArray(result.matched) && Array.isArray(result.reasons));
    assert.equal(result.resource.id, result.id);
    assert.ok(['achievement', 'patent'].includes(result.resource.kind), result.resource.kind);
    assert.equal(result.resource.contact, undefined);
  }

  const refused = await client.matchInvalid(server.base);
  assert.equal(refused.status, 422);
  assert.equal(refused.body.error.details.errors[0].field, 'limit');

  const kinds = await client.listExperts(server.base);
  assert.ok(kinds.length > 0 && kinds.every((kind) => kind === 'expert'), `${kinds}`);
});

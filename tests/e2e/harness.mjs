// Shared by the end-to-end tests and the widget benchmark: a real release `duijie serve` on a
// loopback port with a fresh data folder, headless Chromium, and small HTTP helpers.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createTcpServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const bin = process.env.DUIJIE_BIN || join(root, 'target/release/duijie');
export const dist = join(root, 'web/dist');

/** Starts `duijie serve` on port 0 (serving `staticDir`, web/dist by default) and resolves when it
 * prints its address. */
export async function startServer({ demo = true, extraArgs = [], staticDir = dist } = {}) {
  const data = mkdtempSync(join(tmpdir(), 'duijie-e2e-'));
  const token = execFileSync(bin, ['token', 'create', '--data', data, '--scope', 'editor'], { encoding: 'utf8' })
    .trim().split('\n').pop().trim();
  const args = ['serve', '--data', data, '--static', staticDir, '--addr', '127.0.0.1:0', ...extraArgs];
  if (!demo) args.push('--no-demo');
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
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
    base, token, data,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((done) => { child.once('exit', done); setTimeout(done, 10000); });
      rmSync(data, { recursive: true, force: true });
    },
  };
}

/** Creates a token of `scope` in the server's store (the server reads tokens on each request). */
/** A call of the service's API with `token`: its status and its body (JSON when it parses, else text). */
export async function api(server, path, token, init = {}) {
  const response = await fetch(`${server.base}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers || {}) },
  });
  const text = await response.text();
  let body = null;
  try { body = JSON.parse(text); } catch { body = text; }
  return { status: response.status, body };
}

export function createToken(server, scope) {
  return execFileSync(bin, ['token', 'create', '--data', server.data, '--scope', scope], { encoding: 'utf8' })
    .trim().split('\n').pop().trim();
}

/** Imports JSON Lines through the API with the editor token. */
export async function importJsonl(server, jsonl, mode = 'upsert') {
  const response = await fetch(`${server.base}/api/v1/import?format=jsonl&mode=${mode}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/x-ndjson' },
    body: jsonl,
  });
  return { status: response.status, body: await response.json() };
}

/** Headless Chromium from Debian, never a downloaded browser; a fresh profile each launch. */
export async function launchBrowser() {
  const profile = mkdtempSync(join(tmpdir(), 'duijie-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A tiny HTTP server on another port (another origin) serving the given pages. */
export async function startPageServer(pages) {
  const server = createServer((request, response) => {
    const page = pages[new URL(request.url, 'http://x').pathname];
    if (!page) { response.writeHead(404); response.end(); return; }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(page);
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  return { port: server.address().port, close: () => new Promise((done) => server.close(done)) };
}

/** The name `cargo xtask web` gave a source file in web/dist: content-hashed for the widget's wasm,
 * its bindings, app.js and style.css (web/dist/.manifest.json), else the name itself. */
export function distName(name) {
  const manifest = JSON.parse(readFileSync(join(dist, '.manifest.json'), 'utf8'));
  return manifest[name] || name;
}

/**
 * A TCP proxy in front of `base` that counts the bytes each way, so a test sees what a browser gets
 * on the wire, headers included, whoever asked (the page or its service worker). HTTP/1.1 on
 * loopback: on each connection it pairs each request line with the status line and the bytes of its
 * answer (`exchanges`: `{ request: 'GET /x', status, bytes }`), reading request and status lines at
 * the start of a packet.
 */
export async function startCountingProxy(base) {
  const target = new URL(base);
  const counts = { down: 0, up: 0, exchanges: [] };
  const sockets = new Set();
  const server = createTcpServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => { sockets.delete(socket); client.destroy(); upstream.destroy(); });
    }
    const asked = [];
    let answering = null;
    client.on('data', (chunk) => {
      counts.up += chunk.length;
      const line = chunk.toString('latin1').match(/^([A-Z]+) (\S+) HTTP\/1\.1\r\n/);
      if (line) asked.push(`${line[1]} ${line[2]}`);
    });
    upstream.on('data', (chunk) => {
      counts.down += chunk.length;
      const line = chunk.toString('latin1').match(/^HTTP\/1\.1 (\d{3}) /);
      if (line) {
        answering = { request: asked.shift() ?? '?', status: Number(line[1]), bytes: 0 };
        counts.exchanges.push(answering);
      }
      if (answering) answering.bytes += chunk.length;
    });
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  return {
    base: `http://127.0.0.1:${server.address().port}`,
    counts,
    reset() { Object.assign(counts, { down: 0, up: 0, exchanges: [] }); },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((done) => server.close(done));
    },
  };
}

export function readStatic(name) {
  return readFileSync(join(root, 'web/static', name), 'utf8');
}

/** Waits until the page's service worker is installed and controls it. */
export async function waitForServiceWorker(page) {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((done) => navigator.serviceWorker.addEventListener('controllerchange', done, { once: true }));
    }
  });
}

/** Waits until the widget shows its catalog in the status line. */
export async function waitForCatalog(page, timeout = 30000) {
  await page.waitForSelector('.status .catalog', { timeout });
}

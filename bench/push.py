#!/usr/bin/env python3
"""Precise push's figures (issue 19): a release `duijie serve` with a generated catalog and generated
stored needs, each need subscribed by webhook to a receiver in this script.

usage: bench/push.py [--resources 20000] [--needs 100000] [--new 1000] [--seed 1] [--check 200]
                     [--work /tmp/duijie-bench-needs] [--bin target/release/duijie]

1. Generates the catalog and the needs with bench/gen_needs.py (reused when present), and 2 × --new
   other resources (gen_catalog.py with the next seed) under new ids: batch A and batch B.
2. Starts `duijie serve --no-demo` on a fresh data folder, imports the catalog and the first --needs
   needs, and waits until every forward list is computed.
3. Imports batch A with no subscription: the import's time without push.
4. Subscribes every need by webhook (defaults: top 10, min_fit the strong band's edge) to a local
   receiver (a threaded http.server answering 200, recording each delivery's arrival).
5. Imports batch B: the import's time with push; then waits until the server has derived the change
   and sent every delivery (`duijie_push_pending_changes 0`, `duijie_push_queue_depth 0`).
6. Prints: items and deliveries received, duplicates (an item of one subscription and resource under
   two delivery ids), each item's latency from the import's answer (p50, p95, last), deliveries per
   second over the delivery window, the import's slowdown, and, for --check random needs, the pushed
   items against `GET /api/v1/needs/{id}/matches?limit=10` among batch B with fit >= 0.35 (losses
   and extras).

Build first: cargo build --release -p duijie-server. Prints one line per figure.
"""
import argparse
import http.client
import http.server
import json
import os
import random
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STRONG = 0.35  # The strong band's lowest fit, as `duijie bands` prints it (checked below).


def request(connection, method, path, body=None, token=None, content_type="application/json"):
    headers = {}
    if token:
        headers["Authorization"] = "Bearer " + token
    if body is not None:
        headers["Content-Type"] = content_type
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    return response.status, response.read()


def percentile(values, share):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(share * (len(values) - 1))))]


class Receiver(http.server.ThreadingHTTPServer):
    daemon_threads = True
    # The server's senders connect 16 at once: with socketserver's default backlog of 5, some
    # connections wait for a SYN sent again a second later.
    request_queue_size = 128

    def __init__(self):
        self.lock = threading.Lock()
        self.deliveries = []  # (arrival, body)
        super().__init__(("127.0.0.1", 0), Handler)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        arrival = time.monotonic()
        with self.server.lock:
            self.server.deliveries.append((arrival, body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--resources", type=int, default=20000)
    parser.add_argument("--needs", type=int, default=100000)
    parser.add_argument("--new", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--check", type=int, default=200)
    parser.add_argument("--work", default="/tmp/duijie-bench-needs")
    parser.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "duijie"))
    args = parser.parse_args()

    bands = subprocess.run([args.bin, "bands"], check=True, capture_output=True, text=True).stdout
    assert "0.35" in bands, bands

    # The needs file of gen_needs.py holds 100,000 needs; fewer are its first lines.
    work = os.path.join(args.work, "%d-%d-%d" % (args.resources, max(args.needs, 100000), args.seed))
    if not os.path.exists(os.path.join(work, "needs.jsonl")):
        subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gen_needs.py"), str(args.resources),
                        str(max(args.needs, 100000)), str(args.seed), work], check=True)
    extra = os.path.join(work, "new-%d-%d" % (2 * args.new, args.seed + 1))
    if not os.path.exists(os.path.join(extra, "catalog.jsonl")):
        shared = next(path for path in (os.environ.get("SHARED"), os.path.join(ROOT, "..", "shared"), "/work/shared")
                      if path and os.path.exists(os.path.join(path, "bench", "gen_catalog.py")))
        subprocess.run([sys.executable, os.path.join(shared, "bench", "gen_catalog.py"), str(2 * args.new), "1",
                        str(args.seed + 1), extra], check=True)
    with open(os.path.join(extra, "catalog.jsonl"), encoding="utf-8") as f:
        fresh = [json.loads(line) for line in f][: 2 * args.new]
    for i, resource in enumerate(fresh):
        resource["id"] = "new-%s-%05d" % ("a" if i < args.new else "b", i)
    batch_a = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in fresh[: args.new]).encode()
    batch_b = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in fresh[args.new:]).encode()
    b_ids = {r["id"] for r in fresh[args.new:]}

    receiver = Receiver()
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    hook = "http://127.0.0.1:%d/hook" % receiver.server_address[1]

    data = os.path.join(work, "push-data-%d" % os.getpid())
    config = os.path.join(work, "push-%d.toml" % os.getpid())
    with open(config, "w") as f:
        f.write("match_rate = 0\nauth_failures_per_min = 0\nimport_timeout_secs = 3600\n")
    token = subprocess.run([args.bin, "token", "create", "--scope", "editor", "--data", data],
                           check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    log = os.path.join(work, "push-server-%d.log" % os.getpid())
    server = subprocess.Popen(
        [args.bin, "serve", "--no-demo", "--webhook-private-hosts", "--addr", "127.0.0.1:0", "--data", data, "--config", config],
        stdout=subprocess.PIPE, stderr=open(log, "w"), text=True,
    )
    try:
        addr = None
        for line in server.stdout:
            if "listening on http://" in line:
                addr = line.split("listening on http://")[1].split()[0]
                break
        host, port = addr.rsplit(":", 1)

        def connect():
            return http.client.HTTPConnection(host, int(port), timeout=3600)

        connection = connect()

        def ready():
            status, body = request(connection, "GET", "/api/v1/needs?limit=1", token=token)
            assert status == 200, body
            return json.loads(body)["fits"]["ready"]

        def wait_ready():
            while not ready():
                time.sleep(0.2)

        with open(os.path.join(work, "catalog.jsonl"), "rb") as f:
            catalog = f.read()
        status, body = request(connection, "POST", "/api/v1/import?format=jsonl", catalog, token, "application/x-ndjson")
        assert status == 200, body[:500]
        with open(os.path.join(work, "needs.jsonl"), "rb") as f:
            needs = b"".join(f.readlines()[: args.needs])
        need_ids = [json.loads(line)["id"] for line in needs.splitlines()]
        # A new connection: reading the needs can outlast the server's keep-alive.
        connection = connect()
        started = time.monotonic()
        status, body = request(connection, "POST", "/api/v1/needs/import?format=jsonl", needs, token,
                               "application/x-ndjson")
        assert status == 200, body[:500]
        wait_ready()
        print("setup: %d resources, %d needs, forward lists ready in %.1f s"
              % (args.resources, len(need_ids), time.monotonic() - started))

        started = time.monotonic()
        status, body = request(connection, "POST", "/api/v1/import?format=jsonl", batch_a, token, "application/x-ndjson")
        without = time.monotonic() - started
        assert status == 200, body[:500]
        wait_ready()
        print("import of %d new resources without subscriptions: %.2f s" % (args.new, without))

        subscriptions = {}
        lock = threading.Lock()
        started = time.monotonic()

        def subscribe(part):
            own = connect()
            for need in part:
                status, body = request(own, "POST", "/api/v1/subscriptions",
                                       json.dumps({"need_id": need, "channel": "webhook", "url": hook}), token)
                assert status == 201, body[:300]
                with lock:
                    subscriptions[json.loads(body)["subscription"]["id"]] = need

        threads = [threading.Thread(target=subscribe, args=(need_ids[i::4],)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        print("subscriptions: %d webhook subscriptions made in %.1f s" % (len(subscriptions), time.monotonic() - started))

        # A new connection: the first may have been closed while idle.
        connection = connect()
        started = time.monotonic()
        status, body = request(connection, "POST", "/api/v1/import?format=jsonl", batch_b, token, "application/x-ndjson")
        answered = time.monotonic()
        assert status == 200, body[:500]
        with_push = answered - started
        print("import of %d new resources with %d subscriptions: %.2f s (%.2f× the import without)"
              % (args.new, len(subscriptions), with_push, with_push / without))
        while True:
            status, body = request(connection, "GET", "/metrics")
            text = body.decode()
            if "duijie_push_pending_changes 0\n" in text and "duijie_push_queue_depth 0\n" in text:
                break
            time.sleep(0.2)
        settled = time.monotonic()

        with receiver.lock:
            deliveries = list(receiver.deliveries)
        by_id = {}
        for arrival, body in deliveries:
            body = json.loads(body)
            by_id.setdefault(body["delivery_id"], (arrival, body))
        seen = {}
        duplicates = 0
        latencies = []
        for arrival, body in by_id.values():
            for item in body["items"]:
                key = (body["subscription_id"], item["resource"]["id"])
                if key in seen:
                    duplicates += 1
                seen[key] = item["fit"]
                latencies.append(arrival - answered)
        arrivals = sorted(arrival for arrival, _ in by_id.values())
        if arrivals:
            window = max(arrivals[-1] - arrivals[0], 1e-3)
            print("received: %d deliveries (%d requests), %d items, %d duplicates; settled %.1f s after the import answered"
                  % (len(by_id), len(deliveries), len(latencies), duplicates, settled - answered))
            print("latency from the import's answer: p50 %.2f s, p95 %.2f s, last item %.2f s; first delivery %.2f s"
                  % (percentile(latencies, 0.5), percentile(latencies, 0.95), max(latencies), arrivals[0] - answered))
            print("deliveries: %.0f per second from the first to the last (%.2f s)" % (len(by_id) / window, window))
        else:
            print("received: nothing; settled %.1f s after the import answered" % (settled - answered))

        rng = random.Random(args.seed)
        checked = rng.sample(sorted(subscriptions.items()), min(args.check, len(subscriptions)))
        losses = extras = expected_total = 0
        own = connect()
        for subscription, need in checked:
            status, body = request(own, "GET", "/api/v1/needs/%s/matches?limit=10" % need, token=token)
            assert status == 200, body[:300]
            expected = {r["id"] for r in json.loads(body)["results"] if r["id"] in b_ids and r["score"] >= STRONG}
            pushed = {resource for (sub, resource) in seen if sub == subscription}
            expected_total += len(expected)
            losses += len(expected - pushed)
            extras += len(pushed - expected)
        print("check of %d random subscriptions against their forward match: %d items expected, %d lost, %d extra"
              % (len(checked), expected_total, losses, extras))
    finally:
        server.terminate()
        server.wait()
        receiver.shutdown()
        subprocess.run(["rm", "-rf", data, config])


if __name__ == "__main__":
    main()

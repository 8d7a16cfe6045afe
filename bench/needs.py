#!/usr/bin/env python3
"""The demand side's figures (issue 18): a release `duijie serve` with a generated catalog and
generated stored needs.

usage: bench/needs.py [--resources 20000] [--needs 100000] [--seed 1] [--requests 2000] [--home PROVINCE:SHARE]
                      [--clients 1,4] [--demand-requests 20] [--work /tmp/duijie-bench-needs]
                      [--bin target/release/duijie]

1. Generates the catalog and the needs with bench/gen_needs.py (reused when present).
2. Starts `duijie serve --no-demo` on a fresh data folder (match_rate = 0), creates an editor token,
   imports the catalog (POST /api/v1/import) and waits for the (empty) demand side to be ready.
3. Imports the needs (POST /api/v1/needs/import, JSON Lines): the time the request took (it answers
   once the needs are stored), then the time until every need's forward list and the reverse index
   are computed (`fits.ready` of GET /api/v1/needs).
4. Times GET /api/v1/resources/{id}/needs (no token: public open needs, 10 explained a page) for
   random resources, with each number of concurrent clients: p50, p95, p99.
5. Times GET /api/v1/demand (editor token: every need) for each group_by, over the province with
   the most needs and over all needs: p50, p95, max of --demand-requests requests each.
6. Prints the server's peak resident memory (VmHWM) with both loaded.

Build first: cargo build --release -p duijie-server. Prints one line per figure.
"""
import argparse
import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def request(connection, method, path, body=None, token=None, content_type="application/json"):
    headers = {}
    if token:
        headers["Authorization"] = "Bearer " + token
    if body is not None:
        headers["Content-Type"] = content_type
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    data = response.read()
    return response.status, data


def percentile(values, share):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(share * (len(values) - 1))))]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--resources", type=int, default=20000)
    parser.add_argument("--needs", type=int, default=100000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", default="1,4", help="numbers of concurrent clients; empty to skip step 4")
    parser.add_argument("--demand-requests", type=int, default=20)
    parser.add_argument("--work", default="/tmp/duijie-bench-needs")
    parser.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "duijie"))
    parser.add_argument("--home", help="PROVINCE:SHARE: that share of the needs' counties in one province (gen_needs.py)")
    args = parser.parse_args()

    work = os.path.join(args.work, "%d-%d-%d" % (args.resources, args.needs, args.seed))
    if args.home:
        work += "-home-" + args.home.replace(":", "-")
    if not os.path.exists(os.path.join(work, "needs.jsonl")):
        subprocess.run(
            [sys.executable, os.path.join(ROOT, "bench", "gen_needs.py"), str(args.resources), str(args.needs),
             str(args.seed), work] + (["--home", args.home] if args.home else []),
            check=True,
        )
    data = os.path.join(work, "data-%d" % os.getpid())
    config = os.path.join(work, "duijie-%d.toml" % os.getpid())
    with open(config, "w") as f:
        f.write("match_rate = 0\nauth_failures_per_min = 0\nimport_timeout_secs = 3600\n")
    token = subprocess.run(
        [args.bin, "token", "create", "--scope", "editor", "--data", data],
        check=True, capture_output=True, text=True,
    ).stdout.strip().splitlines()[-1]
    server = subprocess.Popen(
        [args.bin, "serve", "--no-demo", "--addr", "127.0.0.1:0", "--data", data, "--config", config],
        stdout=subprocess.PIPE, stderr=open(os.path.join(work, "server-%d.log" % os.getpid()), "w"), text=True,
    )
    try:
        addr = None
        for line in server.stdout:
            if "listening on http://" in line:
                addr = line.split("listening on http://")[1].split()[0]
                break
        host, port = addr.rsplit(":", 1)
        connection = http.client.HTTPConnection(host, int(port), timeout=3600)

        def fits():
            status, body = request(connection, "GET", "/api/v1/needs?limit=1", token=token)
            assert status == 200, body
            return json.loads(body)["fits"]

        with open(os.path.join(work, "catalog.jsonl"), "rb") as f:
            catalog = f.read()
        started = time.monotonic()
        status, body = request(connection, "POST", "/api/v1/import?format=jsonl", catalog, token, "application/x-ndjson")
        assert status == 200, body[:500]
        print("catalog: %d resources imported in %.2f s" % (args.resources, time.monotonic() - started))

        with open(os.path.join(work, "needs.jsonl"), "rb") as f:
            needs = f.read()
        started = time.monotonic()
        status, body = request(connection, "POST", "/api/v1/needs/import?format=jsonl", needs, token,
                               "application/x-ndjson")
        imported = time.monotonic() - started
        assert status == 200, body[:500]
        print("needs: %d needs (%.1f MB) imported in %.2f s (the answer comes once they are stored)"
              % (args.needs, len(needs) / 1e6, imported))
        while not fits()["ready"]:
            time.sleep(0.2)
        ready = time.monotonic() - started
        print("needs: every forward list and the reverse index ready %.2f s after the import began (%.2f s after it answered)"
              % (ready, ready - imported))

        ids = [json.loads(line)["id"] for line in catalog.splitlines()]
        rng = random.Random(args.seed)
        for clients in [int(n) for n in args.clients.split(",") if n.strip()]:
            latencies = []
            totals = []
            lock = threading.Lock()
            per_client = args.requests // clients

            def run(client):
                local = random.Random(args.seed * 1000 + client)
                own = http.client.HTTPConnection(host, int(port), timeout=60)
                mine = []
                counts = []
                for _ in range(per_client):
                    resource = local.choice(ids)
                    began = time.monotonic()
                    status, body = request(own, "GET", "/api/v1/resources/%s/needs" % resource)
                    mine.append(time.monotonic() - began)
                    assert status == 200, body[:300]
                    counts.append(json.loads(body)["total"])
                with lock:
                    latencies.extend(mine)
                    totals.extend(counts)

            # A warm-up pass, then the measured one.
            run(-1)
            latencies.clear()
            totals.clear()
            threads = [threading.Thread(target=run, args=(client,)) for client in range(clients)]
            began = time.monotonic()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.monotonic() - began
            print("GET /api/v1/resources/{id}/needs, %d clients, %d requests: %.0f req/s, p50 %.1f ms, p95 %.1f ms, p99 %.1f ms (needs per resource: mean %.1f, max %d)"
                  % (clients, len(latencies), len(latencies) / elapsed, 1000 * percentile(latencies, 0.5),
                     1000 * percentile(latencies, 0.95), 1000 * percentile(latencies, 0.99),
                     sum(totals) / len(totals), max(totals)))
        del rng

        # The province with the most needs (of those with a region).
        provinces = {}
        for line in needs.splitlines():
            region = json.loads(line).get("region")
            if region:
                provinces[region[:2] + "0000"] = provinces.get(region[:2] + "0000", 0) + 1
        province = max(sorted(provinces), key=lambda code: provinces[code])
        # A new connection: the first may have been closed while idle.
        connection = http.client.HTTPConnection(host, int(port), timeout=3600)
        for scope, query in [("province %s (%d needs)" % (province, provinces[province]), "&region=" + province),
                             ("all %d needs" % args.needs, "")]:
            for group_by in ["industry", "region", "theme"]:
                path = "/api/v1/demand?group_by=%s%s" % (group_by, query)
                latencies = []
                answer = None
                for _ in range(args.demand_requests + 1):
                    began = time.monotonic()
                    status, body = request(connection, "GET", path, token=token)
                    latencies.append(time.monotonic() - began)
                    assert status == 200, body[:300]
                    answer = json.loads(body)
                latencies = latencies[1:]  # The first is a warm-up.
                print("GET /api/v1/demand?group_by=%s over %s: p50 %.0f ms, p95 %.0f ms, max %.0f ms (%d requests; %d open needs, %d groups, %.1f%% covered)"
                      % (group_by, scope, 1000 * percentile(latencies, 0.5), 1000 * percentile(latencies, 0.95),
                         1000 * max(latencies), len(latencies), answer["overall"]["open"], answer["total_groups"],
                         100 * answer["overall"]["covered_share"]))

        with open("/proc/%d/status" % server.pid) as f:
            status = dict(line.split(":", 1) for line in f if ":" in line)
        print("peak memory (VmHWM) of duijie serve with %d resources and %d needs: %s"
              % (args.resources, args.needs, status["VmHWM"].strip()))
    finally:
        server.terminate()
        server.wait()
        subprocess.run(["rm", "-rf", data, config])


if __name__ == "__main__":
    main()

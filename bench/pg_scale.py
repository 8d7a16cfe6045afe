#!/usr/bin/env python3
"""PostgreSQL at scale (issue 21's figures): import, cold start, and change-to-visible.

    python3 bench/pg_scale.py [--resources 1000000] [--changes 1000] [--replicas 3]
                              [--bin target/release/duijie]

1. Starts a private PostgreSQL cluster under a temp folder (the distribution's initdb and pg_ctl,
   durable settings: fsync and synchronous_commit left on), `duijie migrate`, an editor token.
2. Import: one `duijie serve --database` replica, `POST /api/v1/import?format=jsonl&mode=replace`
   of the generated catalog (`gen_catalog.py N 500 1`, cached in /tmp/duijie-bench/N/), timed from
   the request to its answer (the catalog committed in one transaction and the index swapped in).
3. Cold start: that replica is stopped; a new one is started on the database and timed until
   `/readyz` answers 200 with the imported catalog version.
4. Change-to-visible: the catalog is replaced by the 20,000-resource catalog (the size the
   issue's load figure uses); `--replicas` replicas run on the database; `--changes` times one
   resource is written (merge import of one row) through the replicas in turn, and each change
   is timed from its write's answer until every replica answers with the new catalog version
   (each replica polled every 5 ms). Prints p50, p99 and the maximum, and from the replicas' logs
   how long each write took to index and each replica took to follow a change (read and index).

`--skip-scale` runs steps 1 and 4 only (no 1M catalog needed): the change-to-visible figure alone.

Every figure printed is what this run measured; run it on a quiet machine and say the load.
"""
import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.environ.get("SHARED", os.path.join(os.path.dirname(ROOT), "shared"))


def log(message):
    print(f"[pg_scale {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_bin():
    found = shutil.which("pg_ctl")
    if found:
        return os.path.dirname(found)
    versions = sorted(
        (d for d in os.listdir("/usr/lib/postgresql") if d.isdigit()), key=int
    )
    if not versions:
        sys.exit("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    return f"/usr/lib/postgresql/{versions[-1]}/bin"


def as_owner(args):
    if os.getuid() == 0:
        return ["runuser", "-u", "postgres", "--"] + args
    return args


class Cluster:
    def __init__(self, folder):
        self.folder = folder
        self.bin = pg_bin()
        self.port = free_port()
        os.makedirs(folder, exist_ok=True)
        if os.getuid() == 0:
            shutil.chown(folder, "postgres", "postgres")
        subprocess.run(
            as_owner([f"{self.bin}/initdb", "-D", f"{folder}/data", "-U", "postgres",
                      "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"]),
            check=True, stdout=subprocess.DEVNULL)
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {folder} "
                   "-c max_connections=400 -c shared_buffers=1GB -c max_wal_size=8GB")
        subprocess.run(
            as_owner([f"{self.bin}/pg_ctl", "-D", f"{folder}/data", "-l",
                      f"{folder}/server.log", "-w", "-o", options, "start"]),
            check=True, stdout=subprocess.DEVNULL)
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self):
        subprocess.run(
            as_owner([f"{self.bin}/pg_ctl", "-D", f"{self.folder}/data", "-m", "fast", "-w", "stop"]),
            stdout=subprocess.DEVNULL)


def request(method, url, body=None, token=None, content_type=None, timeout=1800):
    headers = {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if content_type:
        headers["Content-Type"] = content_type
    req = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as reply:
            return reply.status, dict(reply.headers), reply.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


class Replica:
    def __init__(self, binary, database, config, log_path):
        self.log = open(log_path, "wb")
        self.process = subprocess.Popen(
            [binary, "serve", "--database", database, "--config", config, "--addr", "127.0.0.1:0",
             "--no-demo", "--static", "/nonexistent"],
            stdout=subprocess.PIPE, stderr=self.log)
        self.base = None
        for line in self.process.stdout:
            text = line.decode("utf-8", "replace")
            for word in text.split():
                if word.startswith("http://127.0.0.1:"):
                    self.base = word.rstrip(".,/")
            if self.base:
                break
        if not self.base:
            sys.exit(f"the replica did not print its address (see {log_path})")
        threading.Thread(target=self.process.stdout.read, daemon=True).start()

    def ready(self):
        status, headers, body = request("GET", self.base + "/readyz", timeout=10)
        return status, json.loads(body or b"{}")

    def version(self):
        status, headers, _ = request("GET", self.base + "/healthz", timeout=10)
        return {k.lower(): v for k, v in headers.items()}.get("x-catalog-version")

    def stop(self, kill=False):
        if kill:
            self.process.kill()
        else:
            self.process.terminate()
        self.process.wait()
        self.log.close()


def catalog(size):
    folder = f"/tmp/duijie-bench/{size}"
    path = f"{folder}/catalog.jsonl"
    if not os.path.exists(path):
        log(f"generating {size} resources into {folder}")
        os.makedirs(folder, exist_ok=True)
        tmp = f"{folder}/gen.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        subprocess.run([sys.executable, f"{SHARED}/bench/gen_catalog.py", str(size), "500", "1", tmp],
                       check=True)
        os.replace(f"{tmp}/catalog.jsonl", path)
        os.replace(f"{tmp}/queries.jsonl", f"{folder}/queries.jsonl")
        shutil.rmtree(tmp, ignore_errors=True)
    return path


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def log_times(paths):
    """The writes' and the follows' times in the replicas' logs: (name, list of ms) pairs."""
    written, read, indexed = [], [], []
    for path in paths:
        with open(path, encoding="utf-8", errors="replace") as src:
            for line in src:
                found = re.search(r"committed in \d+ ms, indexed in (\d+) ms", line)
                if found:
                    written.append(int(found.group(1)))
                found = re.search(r"followed: read \(([^)]*)\) in (\d+) ms, indexed in (\d+) ms", line)
                if found and found.group(1) != "whole":
                    read.append(int(found.group(2)))
                    indexed.append(int(found.group(3)))
    return [("a write indexed (writer)", written), ("a change read (follower)", read),
            ("a change indexed (follower)", indexed)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--resources", type=int, default=1_000_000)
    parser.add_argument("--changes", type=int, default=1000)
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--bin", default=os.path.join(ROOT, "target/release/duijie"))
    parser.add_argument("--skip-scale", action="store_true",
                        help="only the change-to-visible part (steps 1 and 4)")
    args = parser.parse_args()

    big = None if args.skip_scale else catalog(args.resources)
    small = catalog(20_000)
    work = tempfile.mkdtemp(prefix="duijie-pg-scale.")
    os.chmod(work, 0o755)
    log(f"load average at the start: {os.getloadavg()[0]:.2f}; work folder {work}")
    cluster = Cluster(f"{work}/cluster")
    replicas = []
    try:
        subprocess.run([args.bin, "migrate", "--database", cluster.url], check=True,
                       stdout=subprocess.DEVNULL)
        token = subprocess.run(
            [args.bin, "token", "create", "--database", cluster.url, "--scope", "editor"],
            check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
        config = f"{work}/duijie.toml"
        with open(config, "w") as out:
            out.write("demo = false\nimport_limit = 4294967296\nimport_max_rows = 2000000\n"
                      "import_timeout_secs = 3600\nrequest_timeout_secs = 3600\nmatch_rate = 0\n")

        if not args.skip_scale:
            first = Replica(args.bin, cluster.url, config, f"{work}/replica-import.log")
            replicas.append(first)
            with open(big, "rb") as src:
                body = src.read()
            log(f"importing {args.resources} resources ({len(body) / 1e6:.0f} MB)")
            started = time.monotonic()
            status, _, answer = request("POST", first.base + "/api/v1/import?format=jsonl&mode=replace",
                                        body, token, "application/x-ndjson")
            took = time.monotonic() - started
            if status != 200:
                sys.exit(f"import answered {status}: {answer[:500]!r}")
            version = json.loads(answer).get("catalog_version") or first.version()
            print(f"import of {args.resources} resources into PostgreSQL: {took:.1f} s "
                  f"(answered 200, catalog {version})", flush=True)
            del body
            first.stop()
            replicas.remove(first)

            started = time.monotonic()
            cold = Replica(args.bin, cluster.url, config, f"{work}/replica-cold.log")
            replicas.append(cold)
            while True:
                try:
                    status, ready = cold.ready()
                except (urllib.error.URLError, ConnectionError):
                    status, ready = 0, {}
                if status == 200:
                    break
                time.sleep(0.05)
            took = time.monotonic() - started
            print(f"cold start of a replica to ready on {args.resources} resources: {took:.1f} s "
                  f"(catalog {ready.get('catalog_version')}, same as imported: "
                  f"{ready.get('catalog_version') == version})", flush=True)
            cold.stop()
            replicas.remove(cold)

        loader = Replica(args.bin, cluster.url, config, f"{work}/replica-load.log")
        replicas.append(loader)
        with open(small, "rb") as src:
            status, _, answer = request(
                "POST", loader.base + "/api/v1/import?format=jsonl&mode=replace&allow_shrink=true",
                src.read(), token, "application/x-ndjson")
        if status != 200:
            sys.exit(f"the 20,000-resource import answered {status}: {answer[:500]!r}")
        loader.stop()
        replicas.remove(loader)

        for index in range(args.replicas):
            replicas.append(Replica(args.bin, cluster.url, config, f"{work}/replica-{index}.log"))
        for replica in replicas:
            while replica.ready()[0] != 200:
                time.sleep(0.05)
        with open(small, encoding="utf-8") as src:
            template = json.loads(src.readline())
        delays = []
        for change in range(args.changes):
            writer = replicas[change % len(replicas)]
            row = dict(template)
            row["id"] = f"pg-scale-{change:05d}"
            row["title"] = f"{template.get('title', '')} {change}"
            status, headers, answer = request(
                "POST", writer.base + "/api/v1/import?format=jsonl", 
                (json.dumps(row, ensure_ascii=False) + "\n").encode(), token, "application/x-ndjson")
            answered = time.monotonic()
            if status != 200:
                sys.exit(f"change {change} answered {status}: {answer[:300]!r}")
            wanted = writer.version()
            pending = [r for r in replicas if r is not writer]
            while pending:
                pending = [r for r in pending if r.version() != wanted]
                if pending:
                    if time.monotonic() - answered > 30:
                        sys.exit(f"change {change} not visible on every replica within 30 s")
                    time.sleep(0.005)
            delays.append(time.monotonic() - answered)
        print(f"change-to-visible on all {args.replicas} replicas over {len(delays)} changes "
              f"(20,000 resources): p50 {percentile(delays, 0.5) * 1000:.0f} ms, "
              f"p99 {percentile(delays, 0.99) * 1000:.0f} ms, max {max(delays) * 1000:.0f} ms",
              flush=True)
        print(f"load average at the end: {os.getloadavg()[0]:.2f}", flush=True)
        for replica in replicas:
            replica.log.flush()
        for name, times in log_times([f"{work}/replica-{i}.log" for i in range(args.replicas)]):
            if times:
                print(f"replicas' logs, {name}: {len(times)} times, p50 {percentile(times, 0.5)} ms, "
                      f"p99 {percentile(times, 0.99)} ms, max {max(times)} ms", flush=True)
    finally:
        for replica in replicas:
            replica.stop(kill=True)
        cluster.stop()
        log(f"logs left in {work}")


if __name__ == "__main__":
    main()

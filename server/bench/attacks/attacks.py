#!/usr/bin/env python3
"""Issue 17's attacks on a running `duijie serve`, one after the other, each on a fresh server.

usage: server/bench/attacks/attacks.py BINARY [ATTACK ...]

BINARY is a built `duijie` (a release build is what the figures in server/README.md used). Each
attack prints one line: what it did, what the server answered, how long it took, whether the server
process is still alive, and the growth of its peak memory (VmHWM from /proc) where that matters.
Attacks: far_cell, inflate, signs, other_broker, invalid_import, health_during_import, small_rows, empty_replace, idle_sockets,
guessing, match_flood, minor; invalid_import_256 (256 MiB) and invalid_import_short (3 million
lines of 21 bytes), only when named. Standard library only.
"""

import http.client
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zipfile


class Server:
    """`duijie serve` on a free port with a new data folder; `nofile` lowers its soft open-file limit."""

    def __init__(self, binary, nofile=None, extra=()):
        self.data = tempfile.mkdtemp(prefix="duijie-attack-")
        command = [binary, "serve", "--addr", "127.0.0.1:0", "--no-demo", "--workers", "2", "--data", self.data, *extra]
        if nofile:
            command = ["sh", "-c", f'ulimit -Sn {nofile} && exec "$0" "$@"', *command]
        self.binary = binary
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.process.stdout.readline()
        self.addr = line.split("listening on http://")[1].split()[0]
        self.host, port = self.addr.rsplit(":", 1)
        self.port = int(port)

    def token(self, scope):
        output = subprocess.run([self.binary, "token", "create", "--scope", scope, "--data", self.data],
                                capture_output=True, text=True, check=True).stdout
        return output.strip().splitlines()[-1]

    def alive(self):
        return self.process.poll() is None

    def memory_kib(self, field):
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        return 0

    def request(self, method, path, body=None, token=None, content_type="application/json", timeout=120):
        connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        headers = {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if body is not None:
            headers["Content-Type"] = content_type
        started = time.monotonic()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            return response.status, data, time.monotonic() - started, dict(response.getheaders())
        except OSError as error:
            return f"no answer ({error.__class__.__name__})", b"", time.monotonic() - started, {}
        finally:
            connection.close()

    def stop(self):
        if self.alive():
            self.process.kill()
        self.process.wait()
        shutil.rmtree(self.data, ignore_errors=True)


def report(name, **facts):
    print(f"{name}: " + ", ".join(f"{key} {value}" for key, value in facts.items()), flush=True)


def workbook(sheet_xml):
    """A one-sheet .xlsx (deflated parts) around `sheet_xml`."""
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": sheet_xml,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue()


SHEET = '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c></row>{}</sheetData></worksheet>'
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def far_cell(binary):
    """A 1.7 KB workbook with cells A1 and XFD1048576 (a dense grid of 17 billion cells)."""
    book = workbook(SHEET.format('<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'))
    for query in ["?format=xlsx", "?format=xlsx&dry_run=true"]:
        server = Server(binary)
        editor = server.token("editor")
        before = server.memory_kib("VmRSS")
        status, body, took, _ = server.request("POST", "/api/v1/import" + query, book, editor, XLSX)
        time.sleep(0.2)
        report("far_cell " + query, bytes=len(book), status=status, seconds=f"{took:.2f}", alive=server.alive(),
               peak_growth_mib=(server.memory_kib("VmHWM") - before) // 1024 if server.alive() else "-",
               message=body[:160].decode("utf-8", "replace"))
        server.stop()


def inflate(binary):
    """A workbook whose sheet inflates a thousandfold (300 MiB of spaces in one cell)."""
    book = workbook(SHEET.format('<row r="2"><c r="A2" t="inlineStr"><is><t>' + " " * (300 << 20) + "</t></is></c></row>"))
    server = Server(binary)
    editor = server.token("editor")
    before = server.memory_kib("VmRSS")
    status, body, took, _ = server.request("POST", "/api/v1/import?format=xlsx", book, editor, XLSX)
    report("inflate", bytes=len(book), status=status, seconds=f"{took:.2f}", alive=server.alive(),
           peak_growth_mib=(server.memory_kib("VmHWM") - before) // 1024 if server.alive() else "-",
           message=body[:160].decode("utf-8", "replace"))
    server.stop()


def engagement(server, token, editor):
    catalog = "\n".join(json.dumps({"id": f"r-{i}", "kind": "expert", "title": f"专家{i}"}) for i in range(4))
    server.request("POST", "/api/v1/import?format=jsonl", catalog.encode(), editor, "application/x-ndjson")
    status, body, _, _ = server.request("POST", "/api/v1/engagements",
                                        json.dumps({"need": {"text": "锂电池"}, "resource_id": "r-0"}).encode(), token)
    return json.loads(body)["id"]


def signs(binary):
    """Two transitions with a note of a million '+', and /healthz asked meanwhile."""
    server = Server(binary)
    editor, broker = server.token("editor"), server.token("broker")
    engagement_id = engagement(server, broker, editor)
    body = json.dumps({"to": "contacted", "note": "+" * 1_000_000}).encode()
    results = []

    def hostile():
        results.append(server.request("POST", f"/api/v1/engagements/{engagement_id}/transitions", body, broker))

    threads = [threading.Thread(target=hostile) for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(0.1)
    status, _, health, _ = server.request("GET", "/healthz", timeout=120)
    for thread in threads:
        thread.join()
    report("signs", statuses=[r[0] for r in results], seconds=[f"{r[2]:.2f}" for r in results],
           healthz=status, healthz_seconds=f"{health:.2f}", alive=server.alive())
    server.stop()


def other_broker(binary):
    """A broker drops another broker's engagement, and guesses the next id."""
    server = Server(binary)
    editor, owner, other = server.token("editor"), server.token("broker"), server.token("broker")
    engagement_id = engagement(server, owner, editor)
    status, body, _, _ = server.request("POST", f"/api/v1/engagements/{engagement_id}/transitions",
                                        json.dumps({"to": "dropped"}).encode(), other)
    _, after, _, _ = server.request("GET", f"/api/v1/engagements/{engagement_id}", token=editor)
    report("other_broker", id=engagement_id, status=status, answer=body[:80].decode("utf-8", "replace"),
           status_after=json.loads(after)["status"])
    server.stop()


def invalid_import(binary, mib=64, length=None):
    """64 MiB of invalid JSON Lines (half not JSON, half not a resource), in lines long enough to
    stay under the bound on rows (so every line is parsed and checked), or of `length` bytes."""
    length = length or (mib << 20) // 900_000 + 1
    lines = [b"not json at all ".ljust(length - 1, b"x") + b"\n",
             b'{"id":"x","kind":"robot","note":"'.ljust(length - 3, b"y") + b'"}\n']
    body = bytearray()
    n = 0
    while len(body) + length <= mib << 20:
        body += lines[n % 2]
        n += 1
    server = Server(binary)
    editor = server.token("editor")
    before = server.memory_kib("VmRSS")
    status, answer, took, _ = server.request("POST", "/api/v1/import?format=jsonl", bytes(body), editor, "application/x-ndjson", timeout=600)
    growth = (server.memory_kib("VmHWM") - before) // 1024 if server.alive() else "-"
    message = json.loads(answer)["error"]["message"][:120] if answer.startswith(b"{") else answer[:80]
    report("invalid_import", body_mib=mib, line_bytes=length, lines=n, status=status, seconds=f"{took:.1f}", alive=server.alive(),
           peak_growth_mib=growth, answer_kib=len(answer) // 1024, message=message)
    server.stop()


def health_during_import(binary, mib=64):
    """/healthz asked every 50 ms while the invalid_import body is imported."""
    length = (mib << 20) // 900_000 + 1
    lines = [b"not json at all ".ljust(length - 1, b"x") + b"\n",
             b'{"id":"x","kind":"robot","note":"'.ljust(length - 3, b"y") + b'"}\n']
    body = bytearray()
    n = 0
    while len(body) + length <= mib << 20:
        body += lines[n % 2]
        n += 1
    server = Server(binary)
    editor = server.token("editor")
    done = []
    importer = threading.Thread(target=lambda: done.append(server.request(
        "POST", "/api/v1/import?format=jsonl", bytes(body), editor, "application/x-ndjson", timeout=600)))
    importer.start()
    worst, polls = 0.0, 0
    while importer.is_alive():
        _, _, took, _ = server.request("GET", "/healthz", timeout=30)
        worst, polls = max(worst, took), polls + 1
        time.sleep(0.05)
    importer.join()
    report("health_during_import", import_status=done[0][0], import_seconds=f"{done[0][2]:.1f}",
           healthz_polls=polls, worst_ms=f"{worst * 1000:.0f}")
    server.stop()


def small_rows(binary, rows=999_999):
    """999,999 small valid rows (45 bytes), then one bad row: every resource used to be kept."""
    body = bytearray()
    for i in range(rows):
        body += b'{"id":"a%07d","kind":"expert","title":"x"}\n' % i
    body += b'{"id":"bad","kind":"robot","title":"x"}\n'
    server = Server(binary)
    editor = server.token("editor")
    before = server.memory_kib("VmRSS")
    status, _, took, _ = server.request("POST", "/api/v1/import?format=jsonl", bytes(body), editor, "application/x-ndjson", timeout=600)
    report("small_rows", body_mib=len(body) >> 20, status=status, seconds=f"{took:.1f}", alive=server.alive(),
           peak_growth_mib=(server.memory_kib("VmHWM") - before) // 1024 if server.alive() else "-")
    server.stop()


def empty_replace(binary):
    """A replace import of a header alone."""
    server = Server(binary)
    editor = server.token("editor")
    catalog = "\n".join(json.dumps({"id": f"r-{i}", "kind": "expert", "title": f"专家{i}"}) for i in range(100))
    server.request("POST", "/api/v1/import?format=jsonl", catalog.encode(), editor, "application/x-ndjson")
    status, body, _, _ = server.request("POST", "/api/v1/import?format=csv&mode=replace", b"id,kind,title\n", editor, "text/csv")
    _, health, _, _ = server.request("GET", "/healthz")
    report("empty_replace", status=status, resources_after=json.loads(health)["resources"],
           message=body[:120].decode("utf-8", "replace"))
    server.stop()


def idle_sockets(binary, count=2000):
    """2,000 idle sockets from 127.0.0.1 against a server started with a soft open-file limit of
    1,024, then /healthz from another client (127.0.0.2) and from the attacker's address."""
    server = Server(binary, nofile=1024)
    sockets = []
    for _ in range(count):
        try:
            sockets.append(socket.create_connection((server.host, server.port), timeout=2))
        except OSError:
            break
    time.sleep(0.5)
    started = time.monotonic()
    try:
        other = socket.create_connection((server.host, server.port), timeout=15, source_address=("127.0.0.2", 0))
        other.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        status = other.recv(64).split(b"\r\n", 1)[0].decode() or "closed"
        other.close()
    except OSError as error:
        status = f"no answer ({error.__class__.__name__})"
    took = time.monotonic() - started
    same, _, _, _ = server.request("GET", "/healthz", timeout=15)
    report("idle_sockets", opened=len(sockets), other_client=status, seconds=f"{took:.2f}",
           attacker_address=same, alive=server.alive())
    for sock in sockets:
        sock.close()
    server.stop()


def guessing(binary, seconds=5, threads=8):
    """Wrong tokens as fast as 8 threads can send them, for 5 s, on kept-alive connections."""
    server = Server(binary)
    counts = {}
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def guess(worker):
        connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
        n = 0
        while time.monotonic() < deadline:
            connection.request("GET", "/api/v1/whoami", headers={"Authorization": f"Bearer {worker:032x}{n:032x}"})
            response = connection.getresponse()
            response.read()
            with lock:
                counts[response.status] = counts.get(response.status, 0) + 1
            n += 1
            if response.getheader("connection") == "close":
                connection.close()
                connection = http.client.HTTPConnection(server.host, server.port, timeout=10)

    workers = [threading.Thread(target=guess, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    report("guessing", seconds=seconds, answers=dict(sorted(counts.items())),
           guesses_checked_per_s=counts.get(401, 0) // seconds)
    server.stop()


def match_flood(binary, count=500):
    """500 matches from one client, back to back."""
    server = Server(binary)
    counts = {}
    retry_after = None
    connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
    body = json.dumps({"need": {"text": "锂电池储能"}})
    for _ in range(count):
        connection.request("POST", "/api/v1/match", body=body, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        counts[response.status] = counts.get(response.status, 0) + 1
        retry_after = retry_after or response.getheader("retry-after")
    report("match_flood", answers=dict(sorted(counts.items())), retry_after=retry_after)
    server.stop()


def raw(server, data, wait=5):
    sock = socket.create_connection((server.host, server.port), timeout=wait)
    sock.sendall(data)
    answer = b""
    try:
        while chunk := sock.recv(65536):
            answer += chunk
    except OSError:
        pass
    sock.close()
    return answer.split(b"\r\n", 1)[0].decode()


def minor(binary):
    """A chunked body over the limit, TRACE, and a text/plain match."""
    server = Server(binary)
    chunk = b"%x\r\n%s\r\n" % (1 << 16, b" " * (1 << 16))
    chunked = raw(server, b"POST /api/v1/match HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                          b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + chunk * 20 + b"0\r\n\r\n")
    trace = raw(server, b"TRACE /api/v1/resources HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    status, _, _, _ = server.request("POST", "/api/v1/match", b'{"need": {"text": "x"}}', content_type="text/plain")
    report("minor", chunked_over_limit=chunked, trace=trace, match_text_plain=status)
    server.stop()


ATTACKS = [far_cell, inflate, signs, other_broker, invalid_import, health_during_import, small_rows, empty_replace, idle_sockets, guessing, match_flood, minor]

if __name__ == "__main__":
    binary = os.path.abspath(sys.argv[1])
    wanted = sys.argv[2:]
    for attack in ATTACKS:
        if not wanted or attack.__name__ in wanted:
            attack(binary)
    # At the import limit: only when asked (the binary from before issue 17 takes about 22 GiB).
    if "invalid_import_256" in wanted:
        invalid_import(binary, mib=256)
    # Short lines, more of them than the bound on rows: only when asked (gigabytes before).
    if "invalid_import_short" in wanted:
        invalid_import(binary, mib=64, length=21)

#!/usr/bin/env python3
"""Loads an offcap view page in headless chromium over the DevTools protocol
(standard library only: a minimal websocket client) and prints one JSON
document: console errors, load time, the DOM's counts, and what a click on a
super-frame (and on a GRO merge) selected.  Writes a screenshot.

usage: view_browser.py PAGE.html SCREENSHOT.png
"""
import base64, json, os, re, shutil, socket, struct, subprocess, sys, tempfile, time, urllib.request

CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--remote-debugging-port=0", "--window-size=" + os.environ.get("VIEW_WINDOW", "1400,1000")]


class WS:
    def __init__(self, url):
        m = re.match(r"ws://([^/:]+):(\d+)(/.*)", url)
        self.s = socket.create_connection((m.group(1), int(m.group(2))), timeout=60)
        key = base64.b64encode(os.urandom(16)).decode()
        self.s.sendall((f"GET {m.group(3)} HTTP/1.1\r\nHost: {m.group(1)}:{m.group(2)}\r\n"
                        f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                        "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.s.recv(1)
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise RuntimeError("websocket handshake failed: %r" % head)

    def send(self, text):
        data, mask = text.encode(), os.urandom(4)
        n = len(data)
        hdr = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else
                               bytes([0x80 | 126]) + struct.pack(">H", n) if n < 65536 else
                               bytes([0x80 | 127]) + struct.pack(">Q", n))
        self.s.sendall(hdr + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def _read(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.s.recv(n - len(buf))
            if not chunk:
                raise RuntimeError("websocket closed")
            buf += chunk
        return buf

    def recv(self):
        msg = b""
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            msg += self._read(n)
            if b0 & 0x80:
                return msg.decode()


class Page:
    def __init__(self, ws):
        self.ws, self.id, self.events = ws, 0, []

    def call(self, method, **params):
        self.id += 1
        self.ws.send(json.dumps({"id": self.id, "method": method, "params": params}))
        while True:
            m = json.loads(self.ws.recv())
            if m.get("id") == self.id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})
            self.events.append(m)

    def js(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError(f"{expr[:60]}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def errors(self):
        out = []
        for e in self.events:
            p = e.get("params", {})
            if e.get("method") == "Runtime.exceptionThrown":
                out.append(p["exceptionDetails"].get("exception", {}).get("description") or p["exceptionDetails"]["text"])
            elif e.get("method") == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append(" ".join(str(a.get("value", a.get("description"))) for a in p.get("args", [])))
            elif e.get("method") == "Log.entryAdded" and p["entry"]["level"] == "error":
                out.append(p["entry"]["text"])
        return out


def start():
    prof = tempfile.mkdtemp(prefix="offcap-chromium.")
    proc = subprocess.Popen([CHROMIUM, *FLAGS, f"--user-data-dir={prof}", "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        line = proc.stderr.readline()
        m = re.search(r"DevTools listening on ws://([^/]+)/", line)
        if m:
            return proc, prof, m.group(1)
        if not line and proc.poll() is not None:
            break
    proc.kill()
    raise RuntimeError("chromium did not start")


def page_target(hostport):
    for _ in range(50):
        targets = json.load(urllib.request.urlopen(f"http://{hostport}/json/list"))
        for t in targets:
            if t["type"] == "page":
                return t["webSocketDebuggerUrl"]
        time.sleep(0.1)
    raise RuntimeError("no page target")


COUNTS = """(() => {
  const q = s => [...document.querySelectorAll(s)];
  return {
    points: q('.point').map(e => ({name: e.dataset.point, packets: +e.dataset.packets, over_mtu: +e.dataset.overMtu,
      superframes: +e.dataset.superframes, gro_merged: +e.dataset.groMerged, received_whole: +e.dataset.receivedWhole})),
    findings: q('.finding').length,
    problem_kinds: q('.problem-kind').map(e => +e.dataset.count),
    flows: q('.flow').map(e => e.dataset.flow),
    drawn_superframes: q('.fr[data-role="1"]').length,
    drawn_merges: q('.fr[data-role="2"]').length,
    notes: q('.aggregated').map(e => e.textContent),
    ms: +document.body.dataset.ms,
  };
})()"""


def click(page, selector):
    """Clicks the middle of the first element matching selector, as a mouse would."""
    box = page.js(f"""(() => {{ const e = document.querySelector('{selector}'); if (!e) return null;
      e.scrollIntoView({{block: 'center'}}); const r = e.getBoundingClientRect();
      return {{x: r.x + r.width / 2, y: r.y + r.height / 2, frame: +e.dataset.frame}}; }})()""")
    if not box:
        return None
    for t in ("mousePressed", "mouseReleased"):
        page.call("Input.dispatchMouseEvent", type=t, x=box["x"], y=box["y"], button="left", clickCount=1)
    sel = page.js("""(() => ({sel: [...document.querySelectorAll('.fr.sel')].map(e => +e.dataset.frame),
      hl: [...new Set([...document.querySelectorAll('.fr.hl')].map(e => +e.dataset.frame))].sort((a, b) => a - b),
      line: (document.getElementById('line') || {}).textContent || '',
      links: +((document.getElementById('links') || {dataset: {}}).dataset.count || -1)}))()""")
    sel["clicked"] = box["frame"]
    return sel


def main():
    html, shot = os.path.abspath(sys.argv[1]), sys.argv[2]
    proc, prof, hostport = start()
    try:
        page = Page(WS(page_target(hostport)))
        for d in ("Runtime.enable", "Log.enable", "Page.enable"):
            page.call(d)
        t0 = time.time()
        page.call("Page.navigate", url="file://" + html)
        while not page.js("document.body && document.body.dataset.ready === '1'"):
            if time.time() - t0 > 60:
                break
            time.sleep(0.05)
        wall = time.time() - t0
        out = page.js(COUNTS) or {}
        out["wall_s"] = round(wall, 3)
        shot_png = page.call("Page.captureScreenshot", format="png")["data"]
        with open(shot, "wb") as f:
            f.write(base64.b64decode(shot_png))
        out["superframe_click"] = click(page, '.fr[data-role="1"]')
        shot_png = page.call("Page.captureScreenshot", format="png")["data"]
        with open(re.sub(r"(\.png)?$", "-selected.png", shot, count=1), "wb") as f:
            f.write(base64.b64decode(shot_png))
        out["merge_click"] = click(page, '.fr[data-role="2"]')
        out["errors"] = page.errors()
        print(json.dumps(out))
    finally:
        proc.kill()
        proc.wait()
        shutil.rmtree(prof, ignore_errors=True)


if __name__ == "__main__":
    main()

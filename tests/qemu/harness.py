"""Drive EMBODIOS's serial shell under QEMU the way a person would.

Standard library only. A Qemu object starts the kernel with the serial port
on stdin/stdout (-serial stdio), timestamps every line as it arrives, and
lets a test type commands and wait for output. Every QEMU runs under a
watchdog and is killed by its own PID (never by name); its whole serial log is
kept in build/logs/<name>.log.
"""
import codecs
import os
import re
import subprocess
import sys
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PROMPT = "EMBODIOS> "
PROMPT_RE = re.compile(r"(?:^|\n)EMBODIOS> ")
LOG_DIR = os.path.join(ROOT, "build", "logs")


class QemuTimeout(Exception):
    pass


class Suite:
    """Counts checks and prints one PASS/FAIL line each."""

    def __init__(self, name):
        self.name = name
        self.passed = 0
        self.failed = 0
        print(f"=== {name} ===", flush=True)

    def check(self, what, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"PASS: {what}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL: {what}", flush=True)
            if detail:
                text = detail if isinstance(detail, str) else repr(detail)
                if len(text) > 3000:
                    text = text[:1500] + "\n[...]\n" + text[-1500:]
                for line in text.splitlines():
                    print(f"    | {line}", flush=True)
        return bool(ok)

    def finish(self):
        print(f"{self.name}: {self.passed} passed, {self.failed} failed", flush=True)
        return 1 if self.failed else 0


def qemu_binary():
    return os.environ.get("QEMU", "qemu-system-x86_64")


class Qemu:
    def __init__(self, name, drives=(), mem="2G", extra=(), timeout=120,
                 kernel="kernel/embodios.elf", devices=()):
        self.name = name
        self.timeout = timeout
        self.args = [qemu_binary(), "-kernel", os.path.join(ROOT, kernel), "-m", mem]
        for d in drives:
            self.args += ["-drive", d]
        for d in devices:
            self.args += ["-device", d]
        self.args += ["-serial", "stdio", "-display", "none", "-no-user-config"]
        self.args += list(extra)
        self.proc = None
        self.buf = ""
        self.pos = 0                 # where the next expect() starts looking
        self.lines = []              # (host monotonic seconds, line) as lines arrive
        self.partial = ""
        self.started_at = None
        self.boot_seconds = None
        self.cond = threading.Condition()
        self.eof = False
        self.log_path = os.path.join(LOG_DIR, f"{name}.log")

    # -- process ------------------------------------------------------
    def start(self, wait_prompt=True, prompt_timeout=30):
        os.makedirs(LOG_DIR, exist_ok=True)
        self.log = open(self.log_path, "w", encoding="utf-8", errors="replace")
        self.log.write("# " + " ".join(self.args) + "\n")
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen(self.args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, cwd=ROOT)
        self.reader = threading.Thread(target=self._read_loop, daemon=True)
        self.reader.start()
        self.watchdog = threading.Timer(self.timeout, self._expire)
        self.watchdog.daemon = True
        self.watchdog.start()
        if not wait_prompt:
            return ""
        text = self.expect(PROMPT_RE, timeout=prompt_timeout)
        self.boot_seconds = self._prompt_time or (time.monotonic() - self.started_at)
        return text

    _prompt_time = None

    def _expire(self):
        if self.proc and self.proc.poll() is None:
            self.log.write(f"\n# watchdog: killed QEMU pid {self.proc.pid} after {self.timeout} s\n")
            self.proc.kill()

    def _read_loop(self):
        fd = self.proc.stdout.fileno()
        # Incremental: a UTF-8 character split across two reads stays whole.
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        while True:
            try:
                data = os.read(fd, 65536)
            except OSError:
                data = b""
            now = time.monotonic()
            with self.cond:
                if not data:
                    self.eof = True
                    self.cond.notify_all()
                    return
                text = decoder.decode(data).replace("\r", "")
                self.buf += text
                self.log.write(text)
                self.log.flush()
                self.partial += text
                *done, self.partial = self.partial.split("\n")
                for line in done:
                    self.lines.append((now, line))
                if self._prompt_time is None and PROMPT in self.buf:
                    self._prompt_time = now - self.started_at
                self.cond.notify_all()

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_exit(self, timeout=10):
        try:
            self.proc.wait(timeout=timeout)
            return True
        except subprocess.TimeoutExpired:
            return False

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.kill()         # by PID: Popen.kill signals this process only
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        self.watchdog.cancel()
        self.reader.join(timeout=5)
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass
        self.log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    # -- talking to the shell ------------------------------------------
    def send(self, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass

    def expect(self, pattern, timeout=30):
        """Waits for pattern in the output after the last match; returns the
        text from there to the end of the match. Raises QemuTimeout."""
        rx = re.compile(pattern) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                m = rx.search(self.buf, self.pos)
                if m:
                    text = self.buf[self.pos:m.end()]
                    self.pos = m.end()
                    return text
                left = deadline - time.monotonic()
                if left <= 0 or self.eof:
                    tail = self.buf[self.pos:][-2000:]
                    why = "QEMU exited" if self.eof else f"timed out after {timeout} s"
                    raise QemuTimeout(f"{self.name}: waiting for {rx.pattern!r}: {why}; "
                                      f"output since last match:\n{tail}")
                self.cond.wait(min(left, 0.5))

    def cmd(self, line, timeout=30):
        """Types a command line and returns what it printed before the next
        prompt (the echoed command line itself is removed)."""
        self.send(line + "\r")
        text = self.expect(PROMPT_RE, timeout=timeout)
        text = text[:-len(PROMPT)]
        nl = text.find("\n")
        return text[nl + 1:] if nl >= 0 else ""

    def output_since_start(self):
        with self.cond:
            return self.buf

    def poweroff(self, timeout=15):
        self.send("poweroff\r")
        return self.wait_exit(timeout)


def dump_bytes(text):
    """The bytes of a blkread hex dump ("offset  hh hh ...  |ascii|" lines)."""
    rows = re.findall(r"^[0-9a-f]{8,}  ((?:[0-9a-f]{2} +)+)", text, re.M)
    return bytes.fromhex("".join(rows).replace(" ", ""))


def session(suite, q, body, poweroff=True):
    """Boots q, runs body(q), checks that poweroff ends QEMU, and always
    stops QEMU. A timeout anywhere becomes one failed check with the log."""
    try:
        q.start()
        body(q)
        if poweroff:
            suite.check(f"{q.name}: poweroff ends QEMU", q.poweroff(), q.output_since_start()[-500:])
    except QemuTimeout as e:
        suite.check(f"{q.name}: shell answered", False, f"{e}\n(log: {q.log_path})")
    finally:
        q.stop()


def run_checked(suite, q, what, func):
    """Runs func(); a QemuTimeout becomes one failed check instead of a crash."""
    try:
        return func()
    except QemuTimeout as e:
        suite.check(what, False, str(e) + f"\n(log: {q.log_path})")
        return None


def build_kernel():
    """Builds the kernel; exits the test with a failure if that fails."""
    r = subprocess.run(["make", "-s", "-C", ROOT, "kernel"], capture_output=True, text=True)
    if r.returncode != 0:
        print(r.stdout + r.stderr)
        print("build failed: 0 passed, 1 failed")
        sys.exit(1)

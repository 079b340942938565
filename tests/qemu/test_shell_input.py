"""Issue 2: the shell's line editor over the real serial line: paste,
history, erase keys, Ctrl-C/Ctrl-U, line endings, long lines, garbage."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import PROMPT, Qemu, Suite, build_kernel, session  # noqa: E402

UP, DOWN = "\x1b[A", "\x1b[B"


def prompts_after(q, start, count, timeout=20):
    """Waits until `count` prompts appeared after buffer offset `start`."""
    for _ in range(count):
        q.expect(r"EMBODIOS> ", timeout=timeout)
    return q.output_since_start()[start:]


def run(suite, q):
    # 20 commands pasted in one write all run, in order.
    start = len(q.output_since_start())
    q.send("".join(f"echo paste{i:02d}\r" for i in range(20)))
    text = prompts_after(q, start, 20)
    outs = [l for l in text.splitlines() if l.startswith("paste")]
    suite.check("20 pasted commands all run, in order",
                outs == [f"paste{i:02d}" for i in range(20)], text[-1500:])

    # The same behind a slow command: bytes arrive while memtest runs.
    start = len(q.output_since_start())
    q.send("memtest 512\r" + "".join(f"echo slow{i:02d}\r" for i in range(19)))
    text = prompts_after(q, start, 20, timeout=60)
    outs = [l for l in text.splitlines() if l.startswith("slow")]
    suite.check("commands pasted behind a slow one all run, in order",
                "written and verified" in text and outs == [f"slow{i:02d}" for i in range(19)], text[-1500:])

    # History: Up walks back, Down walks forward, at least 16 entries.
    for i in range(20):
        q.cmd(f"echo hist{i:02d}")
    out = q.cmd(UP * 16)
    suite.check("Up x16 reaches the 16th newest line", out.strip().endswith("hist04"), out)
    out = q.cmd(UP * 3 + DOWN)
    # newest is now "echo hist04"; Up x3 -> hist18, Down -> hist19
    suite.check("Down walks forward again", out.strip().endswith("hist19"), out)

    out = q.cmd("echo abX\bc")
    suite.check("Backspace erases", out.strip().endswith("abc") and "abXc" not in out, out)
    out = q.cmd("echo abX\x7fc")
    suite.check("DEL erases", out.strip().endswith("abc"), out)
    out = q.cmd("echo h\u00e9\x7f\x7fi")
    # Two erases remove "é" (two bytes) and "h": a byte-wise erase would leave "hi".
    suite.check("erase removes a whole UTF-8 character", out.strip() == "i", out)

    start = len(q.output_since_start())
    q.send("echo nope\x03")
    q.expect(r"\^C\n" + PROMPT, timeout=10)
    out = q.cmd("echo yes")
    suite.check("Ctrl-C abandons the line", "nope\n" not in q.output_since_start()[start:] and out.strip() == "yes",
                q.output_since_start()[start:])
    out = q.cmd("echo nope\x15echo fine")
    suite.check("Ctrl-U clears the line", out.strip() == "fine", out)

    # CR, LF and CRLF each end a line exactly once: 4 lines -> 4 prompts.
    start = len(q.output_since_start())
    q.send("echo e1\recho e2\necho e3\r\necho e4\r")
    text = prompts_after(q, start, 4)
    q.send("echo marker\r")
    q.expect(r"marker\n" + PROMPT)
    text = q.output_since_start()[start:]
    outs = [l for l in text.splitlines() if l in ("e1", "e2", "e3", "e4")]
    suite.check("CR, LF, CRLF each end one line", outs == ["e1", "e2", "e3", "e4"] and text.count(PROMPT) == 5,
                text)

    # A line longer than the buffer is rejected whole, never split.
    out = q.cmd("echo " + "x" * 700)
    suite.check("overlong line rejected with a message", "Line too long" in out and "xxxx" not in out.split("\n", 1)[-1], out[-300:])
    suite.check("the message counts characters and bytes",
                "Line too long: 705 characters (705 bytes), at most 511 bytes fit" in out, out[-300:])
    out = q.cmd("echo " + "\u20ac" * 200)
    suite.check("a line of 3-byte characters: characters and bytes counted apart",
                "Line too long: 205 characters (605 bytes)" in out, out[-300:])
    out = q.cmd("echo after")
    suite.check("shell fine after an overlong line", out.strip() == "after", out)
    out = q.cmd("echo " + "y" * 506)
    suite.check("a 511-byte line is accepted", out.strip() == "y" * 506, out[-200:])

    # Control bytes and invalid UTF-8 do no harm.
    q.send(b"\x00\x01\x02\x07\x1b\x1b[99~\x1bO\xff\xfe\xc3\x28\x80\x9f\r")
    q.expect(PROMPT, timeout=10)
    out = q.cmd("echo alive")
    suite.check("garbage bytes do no harm", out.strip() == "alive", out)
    out = q.cmd("ech\thi")
    suite.check("Tab completes a command name", out.strip() == "hi", out)
    start = len(q.output_since_start())
    q.send("blk\t")
    q.expect(r"blktest\nEMBODIOS> blk", timeout=10)
    q.send("\x15")
    out = q.cmd("echo listed")
    suite.check("Tab lists the commands an ambiguous prefix could be",
                "blkdevs" in q.output_since_start()[start:] and out.strip() == "listed", q.output_since_start()[start:])
    out = q.cmd("echo a\tb")
    suite.check("Tab in the arguments separates them", out.strip() == "a b", out)
    out = q.cmd('echo "unterminated')
    suite.check("unterminated quote reported", "Unterminated quote" in out, out)


def main():
    build_kernel()
    suite = Suite("shell-input")
    session(suite, Qemu("shell-input", timeout=120), lambda q: run(suite, q))
    sys.exit(suite.finish())


if __name__ == "__main__":
    main()

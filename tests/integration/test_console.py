# SPDX-License-Identifier: LGPL-2.1-or-later
"""The guest's console: the log the supervisor keeps, `wirt console`, and the terminals
of `wirt enter` and `wirt exec` (a pty of the guest's own devpts when wirt runs on one,
pipes otherwise)."""
import fcntl
import os
import re
import select
import struct
import subprocess
import termios
import time

import pytest

from conftest import assert_one_error_line, show, wait_until


def test_logs_show_init_output(wirt):
    wirt.create_started("web1")
    log = wirt.logs("web1")
    # rcS runs S50httpd, then busybox init's askfirst line prints its prompt
    assert "starting httpd" in log, f"log: {log!r}"
    assert "Please press Enter to activate this console." in log, f"log: {log!r}"
    assert log.index("starting httpd") < log.index("Please press Enter"), f"log: {log!r}"


def test_logs_before_first_start_are_empty(wirt):
    wirt("create", "web1")
    cp = wirt("logs", "web1")
    assert cp.stdout == "", show(cp)


def test_logs_survive_stop(wirt):
    wirt.create_started("web1")
    wirt("stop", "web1", timeout=60)
    log = wirt.logs("web1")
    assert "starting httpd" in log and "stopping httpd" in log, f"log: {log!r}"


def test_console_attach_and_detach(wirt):
    wirt.create_started("web1")
    p = wirt.popen("console", "web1", stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                   stderr=subprocess.PIPE)
    try:
        time.sleep(0.5)
        p.stdin.write(b"\n")  # askfirst: Enter activates the shell
        p.stdin.flush()
        time.sleep(0.5)
        p.stdin.write(b"echo CONSOLE_$((6*7))\n")
        p.stdin.flush()
        wait_until(lambda: "CONSOLE_42" in wirt.logs("web1"), 10,
                   "the console shell's output in the log")
        time.sleep(0.2)
        p.stdin.write(b"\x1d")  # Ctrl-] detaches
        p.stdin.flush()
        out, err = p.communicate(timeout=10)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode == 0, f"console exit {p.returncode}, stderr {err!r}"
    assert b"CONSOLE_42" in out, f"console output: {out!r}"
    # detaching leaves the guest running
    assert wirt.state("web1") == "running"
    wirt.exec("web1", "true")


def test_console_of_stopped_vserver(wirt):
    wirt("create", "web1")
    cp = wirt("console", "web1", check=False)
    assert_one_error_line(cp, "web1", contains="not running")


# ---- wirt on a terminal -----------------------------------------------------------------


def _take_controlling_tty():
    # In the child, after setsid (start_new_session): the pty on fd 0 becomes its
    # controlling terminal, as in a terminal emulator, so a resize sends SIGWINCH.
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class OnPty:
    """`wirt ARGS` with a new pty as its terminal (stdin, stdout, stderr unless given).
    The test side holds only the master: the slave is closed here once wirt has it, so
    a read answers EIO when wirt and everything it started are gone."""

    def __init__(self, wirt, *args, size=None, stdout=None, stderr=None):
        self.args = args
        self.out = b""
        self.eof = False
        self.master, slave = os.openpty()
        try:
            if size:
                self.set_size(*size, fd=slave)
            self.host_tty = os.ttyname(slave)
            self.host_tty_stat = os.fstat(slave)
            self.p = wirt.popen(*args, stdin=slave, stdout=slave if stdout is None else stdout,
                                stderr=slave if stderr is None else stderr,
                                env=dict(wirt.env, TERM="dumb"), start_new_session=True,
                                preexec_fn=_take_controlling_tty)
        except BaseException:
            os.close(self.master)
            raise
        finally:
            os.close(slave)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait(timeout=10)
        if self.p.stdout is not None:
            self.p.stdout.close()
        os.close(self.master)

    def set_size(self, rows, cols, fd=None):
        fcntl.ioctl(self.master if fd is None else fd, termios.TIOCSWINSZ,
                    struct.pack("HHHH", rows, cols, 0, 0))

    def send(self, data):
        os.write(self.master, data)

    def text(self):
        return self.out.decode(errors="replace").replace("\r\n", "\n")

    def lines(self):
        return [l.strip() for l in self.text().split("\n")]

    def _read(self, timeout):
        """Reads what is there within 'timeout'; False once wirt's side is closed."""
        if self.eof:
            return False
        ready, _, _ = select.select([self.master], [], [], max(timeout, 0))
        if ready:
            try:
                data = os.read(self.master, 4096)
            except OSError:  # EIO: no slave left open
                data = b""
            if not data:
                self.eof = True
                return False
            self.out += data
        return True

    def read_until(self, pattern, timeout=15, what=None):
        """Reads until the output so far matches the regex 'pattern' (bytes)."""
        deadline = time.monotonic() + timeout
        while not re.search(pattern, self.out):
            left = deadline - time.monotonic()
            if left <= 0 or not self._read(left):
                pytest.fail(f"{what or pattern!r}: not seen after {timeout}s "
                            f"(wirt {' '.join(map(str, self.args))}, "
                            f"{'ended' if self.eof else 'still running'}); output {self.out!r}")

    def finish(self, timeout=15):
        """Reads to the end and returns wirt's exit status."""
        deadline = time.monotonic() + timeout
        while self._read(deadline - time.monotonic()):
            if time.monotonic() >= deadline:
                pytest.fail(f"wirt {' '.join(map(str, self.args))} still writing after "
                            f"{timeout}s; output {self.out!r}")
        try:
            return self.p.wait(timeout=max(deadline - time.monotonic(), 1))
        except subprocess.TimeoutExpired:
            pytest.fail(f"wirt {' '.join(map(str, self.args))} closed its terminal but did "
                        f"not exit in {timeout}s; output {self.out!r}")


@pytest.fixture
def web1(wirt):
    wirt.create_started("web1", wait_console=False)
    return wirt


# /etc/profile's PS1 '\u@\h:\w\$ '; busybox ash may follow it with a cursor position
# query (ESC [6n), which it does not wait for an answer to.
PROMPT = rb"root@web1:[^\r\n]*# (\x1b\[6n)?$"


def test_enter_gives_a_shell_inside(web1):
    with OnPty(web1, "enter", "web1") as t:
        t.read_until(PROMPT, what="the login shell's prompt")
        t.send(b"echo $((6*7)); hostname\n")
        t.read_until(rb"\r\nweb1\r\n", what="the output of hostname")
        t.send(b"exit\n")
        rc = t.finish()
    lines = t.lines()
    # the typed line is echoed with '6*7'; only the shell computes 42
    assert "42" in lines and "web1" in lines, f"output {t.out!r}"
    assert lines.index("42") < lines.index("web1"), f"output {t.out!r}"
    assert rc == 0, f"enter exit {rc}; output {t.out!r}"
    assert web1.state("web1") == "running"


def test_enter_exit_status_is_the_shells(web1):
    with OnPty(web1, "enter", "web1") as t:
        t.read_until(PROMPT, what="the login shell's prompt")
        t.send(b"exit 3\n")
        rc = t.finish()
    assert rc == 3, f"enter exit {rc}; output {t.out!r}"


def test_enter_without_a_terminal_uses_pipes(web1):
    cp = web1("enter", "web1", input="echo $((6*7)); tty; hostname\n", timeout=30,
              check=False)
    assert cp.returncode == 0, show(cp)
    assert cp.stdout.split("\n")[-4:] == ["42", "not a tty", "web1", ""], show(cp)


def test_exec_on_a_terminal_gets_a_guest_pty(web1):
    with OnPty(web1, "exec", "web1", "--", "tty") as t:
        rc = t.finish()
    assert rc == 0, f"exec tty exit {rc}; output {t.out!r}"
    assert re.fullmatch(r"/dev/pts/\d+\n", t.text()), f"output {t.out!r}"


def test_exec_pty_is_the_guests_devpts(web1):
    # Names alone prove nothing (the host pty may be /dev/pts/0 too): the program's
    # terminal must live on the devpts instance mounted at the guest's /dev/pts.
    script = "readlink /proc/self/fd/0; stat -L -c %d /proc/self/fd/0; stat -c %d /dev/pts"
    with OnPty(web1, "exec", "web1", "--", "/bin/sh", "-c", script) as t:
        rc = t.finish()
    assert rc == 0, f"exit {rc}; output {t.out!r}"
    lines = t.lines()
    assert len(lines) >= 3, f"output {t.out!r}"
    name, fd_dev, devpts_dev = lines[:3]
    assert re.fullmatch(r"/dev/pts/\d+", name), f"output {t.out!r}"
    assert fd_dev == devpts_dev, f"fd 0 is not on the guest's devpts: output {t.out!r}"
    assert int(fd_dev) != t.host_tty_stat.st_dev, \
        f"fd 0 is on the host's devpts ({t.host_tty}, dev {t.host_tty_stat.st_dev}): " \
        f"output {t.out!r}"
    # the guest's first pty while nothing else in it holds one
    assert name == "/dev/pts/0", f"output {t.out!r}"


def test_exec_without_a_terminal_uses_pipes(web1):
    cp = web1.exec("web1", "tty", input="", check=False)
    assert cp.returncode == 1, show(cp)
    assert cp.stdout == "not a tty\n", show(cp)


def test_exec_needs_stdout_on_the_terminal_too(web1):
    # stdin a terminal, stdout a pipe: pipes, so output can be captured untouched
    with OnPty(web1, "exec", "web1", "--", "tty", stdout=subprocess.PIPE) as t:
        try:
            out, _ = t.p.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            pytest.fail(f"exec tty with stdout a pipe did not finish in 15s; terminal {t.out!r}")
        rc = t.finish()
    assert rc == 1, f"exit {rc}; stdout {out!r}; terminal {t.out!r}"
    assert out == b"not a tty\n", f"stdout {out!r}; terminal {t.out!r}"


def test_exec_passes_the_window_size(web1):
    with OnPty(web1, "exec", "web1", "--", "stty", "size", size=(33, 111)) as t:
        rc = t.finish()
    assert rc == 0, f"exit {rc}; output {t.out!r}"
    assert t.text() == "33 111\n", f"output {t.out!r}"


def test_exec_follows_a_resize(web1):
    script = "stty size; echo ready; read x; stty size"
    with OnPty(web1, "exec", "web1", "--", "/bin/sh", "-c", script, size=(24, 80)) as t:
        t.read_until(rb"ready\r\n", what="the script's first size")
        t.set_size(40, 120)  # the kernel sends SIGWINCH to wirt: the relay is up
        t.send(b"\n")
        rc = t.finish()
    assert rc == 0, f"exit {rc}; output {t.out!r}"
    assert [l for l in t.lines() if re.fullmatch(r"\d+ \d+", l)] == ["24 80", "40 120"], \
        f"output {t.out!r}"

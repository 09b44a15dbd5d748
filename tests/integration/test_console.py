# SPDX-License-Identifier: LGPL-2.1-or-later
"""The guest's console: the log the supervisor keeps, and `wirt console`."""
import subprocess
import time

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

# SPDX-License-Identifier: LGPL-2.1-or-later
"""wirt exec: the command's exit status, stdio passed through."""
import hashlib
import os

import pytest

from conftest import assert_one_error_line, show, wait_until


@pytest.fixture
def web1(wirt):
    wirt.create_started("web1", wait_console=False)
    return wirt


@pytest.mark.parametrize("code", [0, 1, 7, 42, 255])
def test_exit_status_propagates(web1, code):
    cp = web1.sh("web1", f"exit {code}", check=False)
    assert cp.returncode == code, f"exit {code} inside" + show(cp)


def test_killed_by_signal_is_128_plus(web1):
    cp = web1.sh("web1", "kill -9 $$", check=False)
    assert cp.returncode == 128 + 9, show(cp)


def test_missing_program_is_127(web1):
    cp = web1.exec("web1", "/no/such/program", check=False)
    assert cp.returncode == 127, show(cp)
    assert len([l for l in cp.stderr.splitlines() if l.strip()]) == 1, show(cp)
    assert "web1" in cp.stderr and "/no/such/program" in cp.stderr, show(cp)
    cp = web1.exec("web1", "nosuchcommand", check=False)
    assert cp.returncode == 127, show(cp)


def test_stdin_passes_through(web1):
    cp = web1.exec("web1", "cat", input="hi\n")
    assert cp.stdout == "hi\n", show(cp)


def test_stdin_eof_reaches_program(web1):
    cp = web1.exec("web1", "wc", "-l", input="a\nb\nc\n", timeout=15)
    assert cp.stdout.split() == ["3"], show(cp)


def test_large_stdin_intact(web1, tmp_path):
    data = os.urandom(1 << 20).hex()  # 2 MiB of text
    cp = web1.exec("web1", "md5sum", input=data, timeout=30)
    assert cp.stdout.split()[0] == hashlib.md5(data.encode()).hexdigest(), show(cp)


def test_stdout_and_stderr_apart(web1):
    cp = web1.sh("web1", "echo to-out; echo to-err >&2; exit 3", check=False)
    assert cp.returncode == 3, show(cp)
    assert cp.stdout == "to-out\n", show(cp)
    assert cp.stderr == "to-err\n", show(cp)


def test_exec_runs_as_guest_root_in_root_home(web1):
    cp = web1.sh("web1", "id -u; pwd")
    assert cp.stdout.split() == ["0", "/root"], show(cp)


def test_exec_in_stopped_vserver_fails(wirt):
    wirt("create", "web1")
    cp = wirt.exec("web1", "true", check=False)
    assert_one_error_line(cp, "web1", contains="not running")


def test_exec_usage_errors(web1):
    cp = web1("exec", "web1", check=False)
    assert cp.returncode == 2, show(cp)
    cp = web1("exec", "web1", "--", check=False)
    assert cp.returncode == 2, show(cp)


def test_exec_joins_the_vservers_cgroup(web1):
    web1.sh("web1", "sleep 1003 </dev/null >/dev/null 2>&1 &")
    # exec returns when the shell ends; its background child may not have exec'd yet
    in_cgroup = []

    def sleepers():
        in_cgroup[:] = web1.cgroup_pids("web1")
        return [p for p in in_cgroup if _cmdline(p) == "sleep 1003"]

    try:
        wait_until(sleepers, 5, "'sleep 1003' in the vServer's cgroup")
    except BaseException:
        raise AssertionError(f"the exec'd 'sleep 1003' is not in the vServer's cgroup {in_cgroup}")


def _cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def test_exec_program_starts_with_default_signals(web1):
    """wirt itself ignores SIGPIPE while it relays; ignored signals survive exec, and a
    program that inherits that misbehaves (`yes | head` would never end)."""
    line = web1.exec("web1", "grep", "SigIgn", "/proc/self/status").stdout.split()
    assert int(line[1], 16) == 0, f"the exec'd program ignores signals: {line}"
    out = web1.sh("web1", "yes | head -3", timeout=10).stdout
    assert out.split() == ["y", "y", "y"]

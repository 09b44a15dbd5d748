# SPDX-License-Identifier: LGPL-2.1-or-later
"""
Podman driving the OCI runtime under test ($OCI_RUNTIME, else wirt-oci): what a user
of `podman run` sees. Podman 4.3 calls the runtime (through conmon) with: create
--bundle B --pid-file F [--console-socket S for -t] ID, start ID, exec --pid-file F
--process P --detach ID, kill ID SIGNAL, delete --force ID; with no --root, --log or
--systemd-cgroup, so the runtime keeps its state in its default root.

Containers run from a busybox rootfs (`--rootfs`, nothing is pulled), with no network,
private Podman storage and configuration, in a cgroup parent of their own (see
oci_clients.py). Check the tests themselves with runc:

    OCI_RUNTIME=/usr/sbin/runc /usr/bin/python3 -m pytest -q tests/integration/test_oci_podman.py
"""
import re
import time

import pytest

from oci_clients import (CAP_CHOWN, CAP_NET_RAW, RUNTIME, Podman, cap_mask,
                         cgroup_limits_script, host_cgroup_limits, need_programs,
                         need_root_and_runtime, parse_limits, settle, show)


@pytest.fixture(scope="module")
def podman():
    need_root_and_runtime()
    need_programs("podman", "conmon")
    p = Podman(RUNTIME)
    try:
        yield p
    finally:
        p.close()


@pytest.fixture(autouse=True)
def no_container_left(podman):
    """After each test: every container removed (a test that failed half-way may
    leave some: not reported), then every process they ran and every cgroup the
    runtime made must be gone: that is the runtime's job, reported."""
    yield
    podman.remove_all()
    left = settle(podman.traces, mounts=False)
    if left:
        podman.traces.kill_all()
        podman.traces.remove_cgroups(parent=False)
        pytest.fail("left after the test:\n  " + "\n  ".join(left), pytrace=False)


def lines(text):
    return [l.rstrip("\r") for l in text.splitlines()]


# ---- run ----------------------------------------------------------------------------


def test_run_rm_prints_output(podman):
    cp = podman.run("--rm", "--name", "echo1", cmd=["/bin/echo", "hi"])
    assert cp.returncode == 0, show(cp)
    assert cp.stdout == "hi\n", show(cp)
    assert "echo1" not in podman.container_names(), "--rm left the container"


def test_run_stdin_and_stderr(podman):
    cp = podman.run("--rm", "-i", cmd=["sh", "-c", "cat; echo to-stderr >&2"],
                    input="line one\nline two\n")
    assert cp.returncode == 0, show(cp)
    assert cp.stdout == "line one\nline two\n", show(cp)
    assert "to-stderr" in cp.stderr, show(cp)


def test_exit_status_passed_through(podman):
    cp = podman.run("--rm", cmd=["sh", "-c", "exit 7"])
    assert cp.returncode == 7, show(cp)
    cp = podman.run("--rm", cmd=["/bin/false"])
    assert cp.returncode == 1, show(cp)


def test_exit_status_of_detached_container(podman):
    podman("run", "-d", "--network", "none", "--cgroup-parent", podman.cgroup_parent,
           "--name", "exit9", "--rootfs", podman.rootfs, "sh", "-c", "exit 9")
    cp = podman("wait", "exit9")
    assert cp.stdout.strip() == "9", show(cp)
    assert podman.inspect("exit9", "{{.State.ExitCode}}") == "9"
    assert podman.state("exit9") == "exited"
    podman("rm", "exit9")


def test_missing_program_fails(podman):
    cp = podman.run("--rm", cmd=["/no/such/program"])
    # Podman says 127 when the runtime's error reads as runc's does for a missing
    # program ("no such file or directory", "executable file not found"), else 126.
    assert cp.returncode == 127, show(cp)
    assert "/no/such/program" in cp.stderr, show(cp)


# ---- detached: logs, exec, stop, kill -----------------------------------------------


def run_detached(podman, name, script, *opts):
    cp = podman.run("-d", "--name", name, *opts, cmd=["sh", "-c", script], check=True)
    cid = cp.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"[0-9a-f]{64}", cid), show(cp)
    return cid


def test_detached_run_and_logs(podman):
    run_detached(podman, "logs1", "echo out-one; echo err-one >&2; echo ready; "
                 "exec sleep 1000")
    podman.wait_running("logs1", marker="ready")
    cp = podman("logs", "logs1")
    assert lines(cp.stdout) == ["out-one", "ready"], show(cp)
    assert "err-one" in cp.stderr, show(cp)
    podman("rm", "-f", "-t", "0", "logs1")


def test_logs_of_finished_container(podman):
    run_detached(podman, "logs2", "i=0; while [ $i -lt 100 ]; do echo line$i; i=$((i+1)); done")
    assert podman("wait", "logs2").stdout.strip() == "0"
    out = lines(podman("logs", "logs2").stdout)
    assert out == [f"line{i}" for i in range(100)], out
    podman("rm", "logs2")


def test_exec_output_and_exit_status(podman):
    run_detached(podman, "exec1", "echo ready; exec sleep 1000")
    podman.wait_running("exec1", marker="ready")
    cp = podman("exec", "exec1", "sh", "-c", "echo in-exec; echo exec-err >&2; exit 3",
                check=False)
    assert cp.returncode == 3, show(cp)
    assert cp.stdout == "in-exec\n", show(cp)
    assert "exec-err" in cp.stderr, show(cp)
    # The exec'd process is in the container: its pid 1 is the container's sleep.
    cp = podman("exec", "exec1", "cat", "/proc/1/cmdline")
    assert cp.stdout.split("\0")[0] == "sleep", show(cp)
    cp = podman("exec", "-i", "exec1", "cat", input="through stdin\n")
    assert cp.stdout == "through stdin\n", show(cp)
    cp = podman("exec", "--user", "1000:1000", "exec1", "id", "-u")
    assert cp.stdout.strip() == "1000", show(cp)
    cp = podman("exec", "exec1", "/no/such/program", check=False)
    assert cp.returncode == 127, show(cp)
    # The container runs on after its execs.
    assert podman.state("exec1") == "running"
    podman("rm", "-f", "-t", "0", "exec1")


def test_stop_delivers_sigterm(podman):
    run_detached(podman, "stop1", "trap 'echo got-term; exit 42' TERM; echo ready; "
                 "while :; do sleep 0.1; done")
    podman.wait_running("stop1", marker="ready")
    t0 = time.monotonic()
    podman("stop", "-t", "20", "stop1")
    took = time.monotonic() - t0
    assert podman.state("stop1") == "exited"
    assert podman.inspect("stop1", "{{.State.ExitCode}}") == "42"
    assert took < 15, f"stop took {took:.1f}s: SIGTERM was not delivered, SIGKILL was"
    assert "got-term" in podman("logs", "stop1").stdout
    podman("rm", "stop1")
    assert "stop1" not in podman.container_names()


def test_stop_escalates_to_sigkill(podman):
    # sleep as pid 1 has no handler for SIGTERM, which pid 1 then does not get.
    run_detached(podman, "stop2", "echo ready; exec sleep 1000")
    podman.wait_running("stop2", marker="ready")
    cp = podman("stop", "-t", "1", "stop2")
    assert podman.state("stop2") == "exited", show(cp)
    assert podman.inspect("stop2", "{{.State.ExitCode}}") == "137"
    podman("rm", "stop2")
    assert "stop2" not in podman.container_names()


def test_kill(podman):
    run_detached(podman, "kill1", "echo ready; exec sleep 1000")
    podman.wait_running("kill1", marker="ready")
    pid = int(podman.inspect("kill1", "{{.State.Pid}}"))
    assert pid > 0
    podman("kill", "kill1")
    assert podman("wait", "kill1").stdout.strip() == "137"
    assert podman.state("kill1") == "exited"
    assert podman.traces.token_procs() == [], "the container's sleep survived podman kill"
    podman("rm", "kill1")
    assert "kill1" not in podman.container_names()


def test_kill_with_signal(podman):
    run_detached(podman, "kill2", "trap 'echo got-usr1; exit 5' USR1; echo ready; "
                 "while :; do sleep 0.1; done")
    podman.wait_running("kill2", marker="ready")
    podman("kill", "--signal", "USR1", "kill2")
    assert podman("wait", "kill2").stdout.strip() == "5"
    assert "got-usr1" in podman("logs", "kill2").stdout
    podman("rm", "kill2")


def test_rm_force_of_running_container(podman):
    run_detached(podman, "rmf1", "echo ready; exec sleep 1000")
    podman.wait_running("rmf1", marker="ready")
    podman("rm", "-f", "-t", "0", "rmf1")
    assert "rmf1" not in podman.container_names()
    assert settle(podman.traces, cgroups=False, mounts=False) == []


# ---- resources and security ---------------------------------------------------------


def test_resource_limits_visible_inside(podman):
    cp = podman.run("--rm", "--memory", "64m", "--cpus", "0.5", "--pids-limit", "50",
                    cmd=["sh", "-c", cgroup_limits_script()])
    assert cp.returncode == 0, show(cp)
    got = parse_limits(cp.stdout)
    assert got["memory"] == str(64 * 1024 * 1024), show(cp)
    assert got["cpu"] == 0.5, show(cp)
    assert got["pids"] == "50", show(cp)


def test_resource_limits_on_the_host(podman):
    """The container's processes are in cgroups that hold the limits on the host."""
    run_detached(podman, "limits1", "echo ready; exec sleep 1000", "--memory", "96m",
                 "--cpus", "0.25", "--pids-limit", "40")
    podman.wait_running("limits1", marker="ready")
    pid = int(podman.inspect("limits1", "{{.State.Pid}}"))
    got = host_cgroup_limits(pid)
    assert got["memory"] == str(96 * 1024 * 1024), got
    assert got["cpu"] == 0.25, got
    assert got["pids"] == "40", got
    # and an exec'd process lands in the same limits
    cp = podman("exec", "limits1", "sh", "-c", cgroup_limits_script())
    got = parse_limits(cp.stdout)
    assert (got["memory"], got["cpu"], got["pids"]) == (str(96 * 1024 * 1024), 0.25, "40"), \
        show(cp)
    podman("rm", "-f", "-t", "0", "limits1")


def test_no_limits_without_flags(podman):
    """The other side of the limit tests: without flags no such limits appear."""
    cp = podman.run("--rm", cmd=["sh", "-c", cgroup_limits_script()])
    assert cp.returncode == 0, show(cp)
    got = parse_limits(cp.stdout)
    assert got["memory"] != str(64 * 1024 * 1024) and got["pids"] != "50", show(cp)


def test_pids_limit_enforced(podman):
    # Each background sleep the shell manages to fork is counted; busybox sh gives up
    # (exit 2, "can't fork") at the first fork the pids limit refuses.
    script = ("i=0; while [ $i -lt 60 ]; do sleep 30 & i=$((i+1)); echo started=$i; done; "
              "echo all-started")
    cp = podman.run("--rm", "--pids-limit", "20", cmd=["sh", "-c", script], timeout=90)
    started = [int(x) for x in re.findall(r"started=(\d+)", cp.stdout)]
    assert "all-started" not in cp.stdout, show(cp)
    assert cp.returncode != 0, show(cp)
    assert started and 10 <= started[-1] < 20, show(cp)


def test_tty(podman):
    cp = podman.run("--rm", "-t", cmd=["sh", "-c", "tty; test -t 0 && echo stdin-is-tty; "
                                        "test -t 1 && echo stdout-is-tty"])
    assert cp.returncode == 0, show(cp)
    out = lines(cp.stdout)
    assert out and re.fullmatch(r"/dev/pts/\d+", out[0]), show(cp)
    assert "stdin-is-tty" in out and "stdout-is-tty" in out, show(cp)


def test_no_tty_without_t(podman):
    cp = podman.run("--rm", cmd=["sh", "-c", "tty; echo tty=$?; test -t 0 || echo stdin-not-tty"])
    assert cp.returncode == 0, show(cp)
    # tty(1) exits 1 when stdin is not a terminal
    assert lines(cp.stdout) == ["not a tty", "tty=1", "stdin-not-tty"], show(cp)


def test_tty_exit_status(podman):
    cp = podman.run("--rm", "-t", cmd=["sh", "-c", "exit 4"])
    assert cp.returncode == 4, show(cp)


def test_user(podman):
    cp = podman.run("--rm", "--user", "1000:1000",
                    cmd=["sh", "-c", "id -u; id -g; touch /root/x 2>/dev/null && rm /root/x || "
                         "echo root-dir-denied; grep ^Uid: /proc/self/status"])
    assert cp.returncode == 0, show(cp)
    out = lines(cp.stdout)
    assert out[:3] == ["1000", "1000", "root-dir-denied"], show(cp)
    assert out[3].split()[1:] == ["1000"] * 4, show(cp)
    cp = podman.run("--rm", cmd=["sh", "-c", "id -u; id -g"])
    assert lines(cp.stdout) == ["0", "0"], show(cp)


def test_read_only(podman):
    cp = podman.run("--rm", "--read-only",
                    cmd=["sh", "-c", "touch /x; echo touch-root=$?; touch /tmp/y; "
                         "echo touch-tmp=$?; grep ' / ' /proc/mounts; rm -f /x 2>/dev/null"])
    assert "touch-root=1" in cp.stdout, show(cp)
    assert "Read-only file system" in cp.stderr, show(cp)
    # --read-only keeps /tmp writable (a tmpfs) by default
    assert "touch-tmp=0" in cp.stdout, show(cp)
    root_line = [l for l in lines(cp.stdout) if " / " in l]
    assert root_line and "ro" in root_line[-1].split()[3].split(","), show(cp)
    cp = podman.run("--rm", cmd=["sh", "-c", "touch /x && rm /x && echo writable"])
    assert lines(cp.stdout) == ["writable"], show(cp)


def caps(podman, *opts):
    cp = podman.run("--rm", *opts, cmd=["cat", "/proc/self/status"])
    assert cp.returncode == 0, show(cp)
    return {f: cap_mask(cp.stdout, f) for f in ("CapEff", "CapBnd", "CapPrm", "CapInh",
                                                 "CapAmb")}


def test_cap_drop_all(podman):
    c = caps(podman, "--cap-drop", "ALL")
    assert c["CapEff"] == 0 and c["CapBnd"] == 0 and c["CapPrm"] == 0, c
    cp = podman.run("--rm", "--cap-drop", "ALL",
                    cmd=["sh", "-c", "f=/tmp/cap.$$; touch $f && chown 1000 $f && echo chowned; "
                         "rm -f $f"])
    assert "chowned" not in cp.stdout, show(cp)


def test_cap_drop_one(podman):
    default = caps(podman)
    assert default["CapEff"] & (1 << CAP_CHOWN), default
    c = caps(podman, "--cap-add", "net_raw")
    assert c["CapEff"] & (1 << CAP_NET_RAW) and c["CapBnd"] & (1 << CAP_NET_RAW), c
    c = caps(podman, "--cap-drop", "net_raw")
    assert not c["CapEff"] & (1 << CAP_NET_RAW), c
    assert not c["CapBnd"] & (1 << CAP_NET_RAW), c
    assert c["CapEff"] & (1 << CAP_CHOWN), c
    c = caps(podman, "--cap-drop", "chown")
    assert not c["CapEff"] & (1 << CAP_CHOWN) and not c["CapBnd"] & (1 << CAP_CHOWN), c
    assert c["CapEff"] == default["CapEff"] & ~(1 << CAP_CHOWN), (c, default)


def test_caps_as_user(podman):
    """A non-root user keeps no effective capabilities (the bounding set stays)."""
    c = caps(podman, "--user", "1000:1000")
    assert c["CapEff"] == 0, c
    assert c["CapBnd"] & (1 << CAP_CHOWN), c


def test_hostname_and_pid_namespace(podman):
    cp = podman.run("--rm", "--hostname", "podhost",
                    cmd=["sh", "-c", "hostname; echo pid=$$; ls /proc | grep -c '^[0-9]'"])
    assert cp.returncode == 0, show(cp)
    out = lines(cp.stdout)
    assert len(out) == 3 and out[:2] == ["podhost", "pid=1"], show(cp)
    assert int(out[2]) <= 3, show(cp)  # sh, ls, grep: no host processes


def test_environment_and_workdir(podman):
    cp = podman.run("--rm", "-e", "FOO=bar baz", "-w", "/tmp",
                    cmd=["sh", "-c", 'echo "$FOO"; pwd'])
    assert lines(cp.stdout) == ["bar baz", "/tmp"], show(cp)

# SPDX-License-Identifier: LGPL-2.1-or-later
"""stop and delete leave nothing behind; a crashed supervisor or a host reboot is
cleaned up by the next command."""
import os
import shutil
import signal
import time

from conftest import proc_alive, proc_describe, show, wait_until


def assert_clean(wirt, name, base):
    """Nothing of vServer 'name' on the host: mounts, cgroups, processes."""
    left = wirt.leftovers(bases={base})
    assert left == [], f"'{name}' left behind:\n  " + "\n  ".join(left)
    assert wirt.cgroup_dirs(name) == [], wirt.cgroup_dirs(name)
    assert not os.path.exists(os.path.join(wirt.root, "run", name, "state"))


def start_with_children(wirt, name):
    """A running vServer with a few extra processes of its own (and one that ignores
    SIGTERM), so that cleanup has something to find."""
    st = wirt.create_started(name)
    wirt.sh(name, "sleep 1001 </dev/null >/dev/null 2>&1 &"
                  " (trap '' TERM; sleep 1002) </dev/null >/dev/null 2>&1 &")
    wait_until(lambda: len(wirt.procs_in_range(st["id_base"])) >= 4, 5,
               "the guest's processes to show on the host")
    return st


def test_stop_leaves_nothing(wirt):
    st = start_with_children(wirt, "web1")
    wirt("stop", "web1", timeout=60)
    assert wirt.state("web1") == "stopped"
    assert_clean(wirt, "web1", st["id_base"])
    assert not proc_alive(st["supervisor_pid"]), "the supervisor still runs"


def test_stop_force_leaves_nothing(wirt):
    st = start_with_children(wirt, "web1")
    t = time.monotonic()
    wirt("stop", "web1", "--force", timeout=60)
    assert time.monotonic() - t < 10, "stop --force took as long as a graceful stop"
    assert wirt.state("web1") == "stopped"
    assert_clean(wirt, "web1", st["id_base"])


def test_stop_runs_the_guests_shutdown(wirt):
    wirt.create_started("web1")
    wirt("stop", "web1", timeout=60)
    log = wirt.logs("web1")
    assert "stopping httpd" in log, f"rcK did not run on stop; log: {log!r}"
    st = wirt.status("web1")
    assert st["last_exit"] is not None, st


def test_restart_gives_a_new_init(wirt):
    old = wirt.create_started("web1")
    wirt("restart", "web1", timeout=60)
    new = wirt.status("web1")
    assert new["state"] == "running", new
    assert new["pid"] != old["pid"] and new["supervisor_pid"] != old["supervisor_pid"], (old, new)
    assert not proc_alive(old["pid"]), f"the old init {old['pid']} still runs"
    wirt.exec("web1", "true")


def test_delete_force_running_leaves_nothing(wirt):
    st = start_with_children(wirt, "web1")
    cp = wirt("delete", "web1", check=False)
    assert cp.returncode == 1 and "web1" in cp.stderr, "delete of a running vServer" + show(cp)
    assert wirt.state("web1") == "running"
    wirt("delete", "--force", "web1", timeout=60)
    assert wirt.vserver_names() == []
    assert_clean(wirt, "web1", st["id_base"])
    assert not os.path.exists(os.path.join(wirt.root, "run", "web1"))
    assert [f for f in os.listdir(wirt.registry) if not f.startswith(".")] == [], \
        "delete left the id range registered"


def kill_supervisor(wirt, name):
    st = wirt.status(name)
    os.kill(st["supervisor_pid"], signal.SIGKILL)
    wait_until(lambda: not proc_alive(st["supervisor_pid"]), 5, "the supervisor to die")
    return st


def test_killed_supervisor_is_crashed_then_stop_cleans(wirt):
    st = start_with_children(wirt, "web1")
    kill_supervisor(wirt, "web1")
    crashed = wirt.status("web1")
    assert crashed["state"] == "crashed", crashed
    assert crashed["guest_alive"] is True, "the guest should outlive its supervisor"
    # the guest's services keep running meanwhile
    assert wirt.procs_in_range(st["id_base"]), "the guest died with its supervisor"
    cp = wirt("status", "web1")
    assert "crashed" in cp.stdout, show(cp)

    wirt("stop", "web1", timeout=60)
    assert wirt.state("web1") == "stopped"
    assert_clean(wirt, "web1", st["id_base"])
    # and it starts again
    wirt("start", "web1")
    wirt.exec("web1", "true")


def test_killed_supervisor_then_delete_force(wirt):
    st = start_with_children(wirt, "web1")
    kill_supervisor(wirt, "web1")
    assert wirt.state("web1") == "crashed"
    wirt("delete", "--force", "web1", timeout=60)
    assert wirt.vserver_names() == []
    assert_clean(wirt, "web1", st["id_base"])


def test_killed_supervisor_then_start_cleans_and_starts(wirt):
    st = start_with_children(wirt, "web1")
    old_run = wirt.procs_in_range(st["id_base"])
    assert st["pid"] in old_run, (st, old_run)
    kill_supervisor(wirt, "web1")
    wirt("start", "web1", timeout=60)
    new = wirt.status("web1")
    assert new["state"] == "running" and new["pid"] != st["pid"], new
    survivors = [proc_describe(p) for p in old_run if proc_alive(p)]
    assert survivors == [], "processes of the crashed run survive the new start:\n  " + \
        "\n  ".join(survivors)


def test_host_reboot_simulation(wirt):
    start_with_children(wirt, "web1")
    wirt.create_started("web2")
    # what a reboot does: every process gone, /run (tmpfs) empty
    for name in ("web1", "web2"):
        os.kill(wirt.status(name)["supervisor_pid"], signal.SIGKILL)
    for _ in range(50):
        pids = wirt.cgroup_pids("web1") + wirt.cgroup_pids("web2")
        if not pids:
            break
        for p in pids:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.1)
    assert wirt.cgroup_pids("web1") == [] and wirt.cgroup_pids("web2") == []
    shutil.rmtree(os.path.join(wirt.root, "run"))

    states = {e["name"]: e["state"] for e in wirt.list()}
    assert set(states) == {"web1", "web2"}, states
    for name, state in states.items():
        assert state in ("stopped", "crashed"), f"{name} is {state} after a reboot"
    wirt("start", "web1", timeout=60)
    assert wirt.state("web1") == "running"
    wirt.wait_booted("web1")
    cp = wirt.exec("web1", "wget", "-qO-", "http://127.0.0.1/")
    assert "Hello from a wirt vServer" in cp.stdout, show(cp)
    # the other one is cleaned by stop (if it was seen as crashed) and starts too
    if wirt.state("web2") == "crashed":
        wirt("stop", "web2")
    assert wirt.state("web2") == "stopped"
    wirt("start", "web2", timeout=60)
    assert wirt.state("web2") == "running"


def test_stop_all(wirt):
    a = wirt.create_started("a", wait_console=False)
    b = wirt.create_started("b", wait_console=False)
    wirt("create", "c")
    wirt("stop", "--all", timeout=90)
    assert {e["name"]: e["state"] for e in wirt.list()} == \
        {"a": "stopped", "b": "stopped", "c": "stopped"}
    assert_clean(wirt, "a", a["id_base"])
    assert_clean(wirt, "b", b["id_base"])


def test_stop_timeout_kills_a_hanging_shutdown(wirt):
    wirt.create_started("web1")
    # a shutdown script that never ends: stop must give up on it after --timeout
    wirt.sh("web1", "printf '#!/bin/sh\\n[ \"$1\" = stop ] && exec sleep 1000\\nexit 0\\n'"
                    " > /etc/init.d/S99hang && chmod 755 /etc/init.d/S99hang")
    base = wirt.status("web1")["id_base"]
    t = time.monotonic()
    wirt("stop", "web1", "--timeout", "2", timeout=60)
    took = time.monotonic() - t
    assert took < 15, f"stop --timeout 2 took {took:.1f}s"
    assert took >= 1.5, f"stop --timeout 2 took only {took:.1f}s: was the timeout honoured?"
    assert wirt.state("web1") == "stopped"
    assert_clean(wirt, "web1", base)


def test_delete_stopped_removes_everything(wirt):
    wirt.create_started("web1", wait_console=False)
    wirt.exec("web1", "touch", "/root/data")
    wirt("stop", "web1", timeout=60)
    wirt("delete", "web1")
    assert not os.path.exists(os.path.join(wirt.root, "vservers", "web1"))
    assert not os.path.exists(os.path.join(wirt.root, "run", "web1"))
    assert [f for f in os.listdir(wirt.registry) if not f.startswith(".")] == []
    # the name can be used again, from a clean slate
    wirt.create_started("web1", wait_console=False)
    cp = wirt.sh("web1", "test -e /root/data", check=False)
    assert cp.returncode == 1, "a new vServer of the same name sees the old one's files"


def test_host_reboot_with_run_dir_left(wirt):
    """<root>/run is on the root dir's disk, not a tmpfs: after a real reboot the
    state files are still there, from another boot, and the cgroups are gone."""
    start_with_children(wirt, "web1")
    os.kill(wirt.status("web1")["supervisor_pid"], signal.SIGKILL)
    for _ in range(50):
        pids = wirt.cgroup_pids("web1")
        if not pids:
            break
        for p in pids:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.1)
    assert wirt.cgroup_pids("web1") == []
    for d in wirt.cgroup_dirs("web1"):
        os.rmdir(d)
    state = os.path.join(wirt.root, "run", "web1", "state")
    text = open(state).read()
    assert "boot_id=" in text, f"state records no boot id:\n{text}"
    with open(state, "w") as f:
        f.write("".join(l if not l.startswith("boot_id=") else
                        "boot_id=00000000-0000-0000-0000-000000000000\n"
                        for l in text.splitlines(keepends=True)))

    assert {e["name"]: e["state"] for e in wirt.list()} == {"web1": "stopped"}
    st = wirt.status("web1")
    assert st["state"] == "stopped", st
    wirt("start", "web1", timeout=60)
    assert wirt.state("web1") == "running"
    wirt.exec("web1", "true")

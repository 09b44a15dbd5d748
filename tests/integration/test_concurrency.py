# SPDX-License-Identifier: LGPL-2.1-or-later
"""Commands that race: the per-vServer lock and the id registry's lock."""
import os
import subprocess

from conftest import ID_COUNT, ID_FIRST, read_text


def run_together(wirt, commands, timeout=60):
    """Starts every command at once; returns [(returncode, stdout, stderr)]."""
    procs = [wirt.popen(*c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                        stdin=subprocess.DEVNULL) for c in commands]
    out = []
    try:
        for p in procs:
            o, e = p.communicate(timeout=timeout)
            out.append((p.returncode, o, e))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    wirt.note_bases()
    return out


def test_two_starts_at_once(wirt):
    wirt("create", "web1")
    results = run_together(wirt, [("start", "web1"), ("start", "web1")])
    codes = sorted(r[0] for r in results)
    assert codes == [0, 1], f"want one success and one failure: {results}"
    loser = [r for r in results if r[0] == 1][0]
    lines = loser[2].splitlines()
    assert len(lines) == 1 and "'web1'" in lines[0] and "already running" in lines[0], results
    st = wirt.status("web1")
    assert st["state"] == "running", st
    # exactly one guest: one supervisor, one init in the cgroup tree
    inits = [p for p in wirt.cgroup_pids("web1")
             if (read_text(f"/proc/{p}/comm") or "").strip() == "init"]
    assert st["pid"] in inits, (st, inits)


def test_start_and_stop_race(wirt):
    wirt("create", "web1")
    wirt("start", "web1")
    results = run_together(wirt, [("stop", "web1"), ("start", "web1"), ("stop", "web1")])
    # whatever the order, the end state is one of the two, consistent with the host
    st = wirt.status("web1")
    assert st["state"] in ("running", "stopped"), (st, results)
    if st["state"] == "stopped":
        assert wirt.cgroup_dirs("web1") == [], (st, results)
    else:
        wirt.exec("web1", "true")
    for code, _, err in results:
        assert code in (0, 1), results
        if code == 1:
            assert len(err.splitlines()) == 1 and "'web1'" in err, results


def test_parallel_creates_get_different_ranges(wirt):
    names = [f"p{i}" for i in range(6)]
    results = run_together(wirt, [("create", n) for n in names])
    assert [r[0] for r in results] == [0] * len(names), results
    bases = [wirt.status(n)["id_base"] for n in names]
    assert len(set(bases)) == len(names), f"shared id ranges: {dict(zip(names, bases))}"
    for b in bases:
        assert b >= ID_FIRST and (b - ID_FIRST) % ID_COUNT == 0, bases


def test_parallel_creates_of_one_name(wirt):
    results = run_together(wirt, [("create", "same")] * 4)
    assert sorted(r[0] for r in results) == [0, 1, 1, 1], results
    assert wirt.vserver_names() == ["same"]
    entries = [f for f in os.listdir(wirt.registry) if not f.startswith(".")]
    assert len(entries) == 1, f"id registry: {entries} (losers must not keep a range)"


def test_parallel_starts_of_different_vservers(wirt):
    names = ["a", "b", "c"]
    for n in names:
        wirt("create", n)
    results = run_together(wirt, [("start", n) for n in names])
    assert [r[0] for r in results] == [0, 0, 0], results
    for n in names:
        wirt.exec(n, "true")

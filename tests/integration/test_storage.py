# SPDX-License-Identifier: LGPL-2.1-or-later
"""
A vServer's own disk (`wirt create --disk SIZE`, docs/storage.md): its writable layer in
a sparse ext4 image on a loop device. Checked from inside and on the host: a full
disk is ENOSPC at about its size while a neighbour still writes, `df /` inside shows
its own size, space the guest frees returns to the pool (the image's blocks), stats
show used/limit, `set disk=` resizes a stopped vServer (a shrink the data does not fit
is refused), and nothing (loop device, image) is left after stop and delete.
"""
import json
import os
import subprocess
import time

import pytest

from conftest import show

M = 1 << 20


def image(wirt, name):
    return os.path.join(wirt.root, "vservers", name, "disk.img")


def pool_bytes(path):
    """What the image holds on the host's filesystem: its allocated blocks."""
    return os.stat(path).st_blocks * 512


def loops_of(path):
    out = subprocess.run(["losetup", "-a"], capture_output=True, text=True).stdout
    return [l for l in out.splitlines() if path in l]


def df_root(wirt, name):
    """(size, used) in bytes of "/" as df inside the vServer says."""
    out = wirt.exec(name, "df", "-k", "/").stdout.splitlines()[-1].split()
    return int(out[1]) * 1024, int(out[2]) * 1024


def test_disk_limit_enospc_df_and_pool(wirt):
    wirt("create", "small", "--disk", "64M")
    wirt("create", "neighbour")
    wirt("start", "small")
    wirt("start", "neighbour")
    img = image(wirt, "small")
    assert os.path.getsize(img) == 64 * M
    empty = pool_bytes(img)
    assert empty < 8 * M, f"the image is not sparse: {empty} bytes on the pool"

    size, used = df_root(wirt, "small")
    assert 48 * M <= size <= 64 * M, f"df / inside says {size} bytes"

    r = wirt.sh("small", "dd if=/dev/zero of=/fill bs=1M count=100 2>&1; echo rc=$?",
                check=False)
    assert "No space left on device" in r.stdout and "rc=1" in r.stdout, show(r)
    written = int(wirt.exec("small", "stat", "-c", "%s", "/fill").stdout)
    assert 40 * M <= written <= 64 * M, f"ENOSPC after {written} bytes"
    # the neighbour writes on: the pool is not full
    r = wirt.sh("neighbour", "dd if=/dev/zero of=/n bs=1M count=20 2>&1; echo rc=$?")
    assert "rc=0" in r.stdout, show(r)
    full = pool_bytes(img)
    assert full >= written - 4 * M

    # space the guest frees goes back to the pool (discard punches the image's holes,
    # once the journal commits: sync asks for that, the loop device punches a moment
    # later)
    wirt.sh("small", "rm /fill; sync")
    deadline = time.monotonic() + 15
    while pool_bytes(img) >= empty + 8 * M and time.monotonic() < deadline:
        time.sleep(0.2)
    freed = pool_bytes(img)
    assert freed < empty + 8 * M, f"{freed} bytes still held after the file went"

    st = json.loads(wirt("stats", "small", "--json").stdout)
    assert st["disk_limit"] == 64 * M
    assert 0 <= st["disk_used"] < 8 * M, st
    st = json.loads(wirt("stats", "neighbour", "--json").stdout)
    assert st["disk_limit"] is None and st["disk_used"] is None, st


def test_disk_resize_and_refusals(wirt):
    wirt("create", "r1", "--disk", "64M")
    wirt("start", "r1")
    wirt.sh("r1", "dd if=/dev/zero of=/data bs=1M count=40 2>/dev/null; sync")
    r = wirt("set", "r1", "disk=128M", check=False)
    assert r.returncode == 1 and "stopped" in r.stderr and "'r1'" in r.stderr, show(r)
    wirt("stop", "r1")
    wirt("set", "r1", "disk=128M")
    assert os.path.getsize(image(wirt, "r1")) == 128 * M
    r = wirt("set", "r1", "disk=32M", check=False)
    assert r.returncode == 1 and "does not fit" in r.stderr, show(r)
    assert r.stderr.count("\n") == 1, show(r)
    assert os.path.getsize(image(wirt, "r1")) == 128 * M
    with open(os.path.join(wirt.root, "vservers", "r1", "config")) as f:
        assert "disk = 128M" in f.read()
    wirt("start", "r1")
    size, used = df_root(wirt, "r1")
    assert 100 * M <= size <= 128 * M and used >= 40 * M, (size, used)
    assert wirt.exec("r1", "stat", "-c", "%s", "/data").stdout.strip() == str(40 * M)
    wirt("stop", "r1")
    assert loops_of(image(wirt, "r1")) == [], "a loop device stayed after stop"


@pytest.mark.parametrize("value,contains", [
    ("1M", "at least 32M"),
    ("33M+", "invalid size"),
    ("33554433", "multiple of 4K"),
])
def test_bad_disk_sizes_leave_nothing(wirt, value, contains):
    r = wirt("create", "bad", "--disk", value, check=False)
    assert r.returncode in (1, 2) and contains in r.stderr, show(r)
    assert len(r.stderr.splitlines()) == 1, show(r)
    assert not os.path.exists(os.path.join(wirt.root, "vservers", "bad"))


def test_disk_image_locked_while_in_use(wirt):
    """The loop device holds the image's lock from start to the last unmount: no
    second mount (a resize, another start) can take it meanwhile."""
    import fcntl
    wirt("create", "lk", "--disk", "32M")
    wirt("start", "lk")
    with open(image(wirt, "lk"), "rb") as f:
        with pytest.raises(BlockingIOError):
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    wirt("stop", "lk")
    with open(image(wirt, "lk"), "rb") as f:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free once stopped


def test_disk_gone_with_delete(wirt):
    wirt("create", "gone", "--disk", "32M")
    wirt("start", "gone")
    img = image(wirt, "gone")
    assert len(loops_of(img)) == 1
    wirt("delete", "gone", "--force")
    assert not os.path.exists(img)
    assert loops_of(img) == []


# ---- snapshots ----------------------------------------------------------------------

@pytest.mark.parametrize("disk", [None, "64M"], ids=["pool", "disk"])
def test_snapshot_restore(wirt, disk):
    wirt("create", "sn", *(["--disk", disk] if disk else []))
    wirt("start", "sn")
    wirt.sh("sn", "echo one > /etc/motd; mkdir -p /srv; echo keep > /srv/a")
    assert wirt("snapshot", "sn", "first").stdout.strip() == "first"
    wirt.sh("sn", "echo two > /etc/motd; rm /srv/a; rm /bin/vi; echo new > /new")
    snaps = json.loads(wirt("snapshot", "list", "sn", "--json").stdout)
    assert [s["name"] for s in snaps] == ["first"] and snaps[0]["bytes"] > 0, snaps

    r = wirt("restore", "sn", "first", check=False)
    assert r.returncode == 1 and "stopped" in r.stderr, show(r)
    wirt("stop", "sn")
    wirt("restore", "sn", "first")
    wirt("start", "sn")
    out = wirt.sh("sn", "cat /etc/motd /srv/a; ls /bin/vi; ls /new 2>&1; true").stdout
    assert out.split("\n")[:3] == ["one", "keep", "/bin/vi"], out
    assert "No such file" in out, out
    # the snapshot stays: a second restore works too, and it can be deleted
    wirt("stop", "sn")
    wirt("restore", "sn", "first")
    wirt("snapshot", "delete", "sn", "first")
    assert json.loads(wirt("snapshot", "list", "sn", "--json").stdout) == []


def test_snapshot_of_running_vserver_under_write_load(wirt):
    wirt("create", "busy", "--disk", "64M")
    wirt("start", "busy")
    # a writer that never stops: files appended to while the snapshot is taken
    wirt.sh("busy", "mkdir -p /w; (i=0; while :; do echo $i >> /w/log; "
                    "dd if=/dev/urandom of=/w/f$((i % 20)) bs=64k count=4 2>/dev/null; "
                    "i=$((i+1)); done) >/dev/null 2>&1 &")
    time.sleep(1)
    name = wirt("snapshot", "busy").stdout.strip()
    # still running, and unfrozen: the writer goes on after the snapshot
    before = int(wirt.sh("busy", "wc -l < /w/log").stdout)
    time.sleep(0.5)
    after = int(wirt.sh("busy", "wc -l < /w/log").stdout)
    assert after > before, "the vServer stayed frozen after the snapshot"
    wirt("stop", "busy")
    wirt("restore", "busy", name)
    wirt("start", "busy")
    lines = wirt.sh("busy", "cat /w/log").stdout.split()
    # what it had written up to the moment, in order, nothing torn
    assert lines and lines == [str(i) for i in range(len(lines))], lines[-5:]


def test_snapshot_refusals(wirt):
    wirt("create", "rf")
    wirt("snapshot", "rf", "s1")
    r = wirt("snapshot", "rf", "s1", check=False)
    assert r.returncode == 1 and "exists" in r.stderr, show(r)
    r = wirt("restore", "rf", "nope", check=False)
    assert r.returncode == 1 and "no snapshot 'nope'" in r.stderr, show(r)
    r = wirt("snapshot", "rf", "../x", check=False)
    assert r.returncode == 1 and len(r.stderr.splitlines()) == 1, show(r)
    r = wirt("snapshot", "nosuch", check=False)
    assert r.returncode == 1 and "nosuch" in r.stderr, show(r)
    # delete takes the snapshots with the vServer
    wirt("delete", "rf")
    assert not os.path.exists(os.path.join(wirt.root, "vservers", "rf"))


# ---- clones -------------------------------------------------------------------------

def host_owner(wirt, name, path):
    st = os.lstat(os.path.join(wirt.root, "vservers", name, "upper", path.lstrip("/")))
    return st.st_uid, st.st_gid


@pytest.mark.parametrize("disk", [None, "64M"], ids=["pool", "disk"])
def test_clone_has_files_and_its_own_identity(wirt, disk):
    wirt("create", "orig", *(["--disk", disk] if disk else []))
    wirt("start", "orig")
    wirt.sh("orig", "echo data > /root/f; mkdir -p /srv/u; echo u > /srv/u/g; "
                    "chown 1234:1234 /srv/u/g; "
                    "echo 0123456789abcdef0123456789abcdef > /etc/machine-id; "
                    "mkdir -p /etc/ssh; echo old > /etc/ssh/ssh_host_ed25519_key")
    # cloned while it runs: frozen for the copy, running on after it
    wirt("clone", "orig", "copy")
    wirt("start", "copy")
    both = {}
    for n in ("orig", "copy"):
        both[n] = wirt.sh(n, "hostname; cat /root/f /srv/u/g; stat -c '%u:%g' /srv/u/g; "
                             "cat /etc/machine-id; head -n 1 /etc/ssh/ssh_host_ed25519_key; "
                             "cat /proc/self/uid_map").stdout.split("\n")
    o, c = both["orig"], both["copy"]
    assert o[0] == "orig" and c[0] == "copy"
    assert o[1:4] == c[1:4] == ["data", "u", "1234:1234"], (o, c)
    assert o[4] == "0123456789abcdef0123456789abcdef" and len(c[4]) == 32 and c[4] != o[4]
    assert o[5] == "old" and c[5].startswith("-----BEGIN"), (o[5], c[5])
    base_o, base_c = int(o[6].split()[1]), int(c[6].split()[1])
    assert base_o != base_c, "the clone shares the id range"
    if not disk:
        # on the host the copy's files are in its own range
        assert host_owner(wirt, "copy", "/srv/u/g") == (base_c + 1234, base_c + 1234)
        assert host_owner(wirt, "orig", "/srv/u/g") == (base_o + 1234, base_o + 1234)
    # changes stay apart
    wirt.sh("copy", "echo changed > /root/f")
    assert wirt.exec("orig", "cat", "/root/f").stdout.strip() == "data"


def test_clone_refusals_leave_nothing(wirt):
    wirt("create", "a1")
    wirt("create", "a2")
    r = wirt("clone", "a1", "a2", check=False)
    assert r.returncode == 1 and "exists" in r.stderr, show(r)
    r = wirt("clone", "nosuch", "a3", check=False)
    assert r.returncode == 1 and "nosuch" in r.stderr, show(r)
    r = wirt("clone", "a1", "bad/name", check=False)
    assert r.returncode == 1 and len(r.stderr.splitlines()) == 1, show(r)
    names = sorted(os.listdir(os.path.join(wirt.root, "vservers")))
    assert names == ["a1", "a2"], names


# ---- template sharing ----------------------------------------------------------------

def du_bytes(path):
    """Blocks allocated by 'path' and below it, each inode once (hard links, as du)."""
    if not os.path.lexists(path):
        return 0
    top = os.lstat(path)
    seen, total = {(top.st_dev, top.st_ino)}, top.st_blocks * 512
    for dirpath, dirnames, filenames in os.walk(path):
        for n in dirnames + filenames:
            st = os.lstat(os.path.join(dirpath, n))
            if (st.st_dev, st.st_ino) in seen:
                continue
            seen.add((st.st_dev, st.st_ino))
            total += st.st_blocks * 512
    return total


def test_fifty_vservers_share_one_template(wirt):
    template = du_bytes(os.path.join(wirt.root, "templates"))
    n = 50
    for i in range(n):
        wirt("create", f"t{i}")
    for i in range(n):
        wirt("start", f"t{i}")
    # each writes a little of its own
    for i in range(n):
        wirt.exec(f"t{i}", "sh", "-c", f"echo {i} > /root/own")
    # what each has of its own: its writable layer (the file it wrote), config, logs,
    # run state and the empty mount points; a copy of the template would be ~2 MiB here
    own = [du_bytes(os.path.join(wirt.root, "vservers", f"t{i}")) +
           du_bytes(os.path.join(wirt.root, "run", f"t{i}")) for i in range(n)]
    assert max(own) < 256 * 1024, f"a vServer holds {max(own)} bytes of its own"
    total = du_bytes(wirt.root)
    assert total < 1.1 * template + sum(own), \
        f"{n} vServers take {total} bytes: template {template}, their own {sum(own)}"
    for i in range(n):
        wirt("stop", f"t{i}", "--force")

# SPDX-License-Identifier: LGPL-2.1-or-later
"""create / start / status / exec / stop / delete, and how each refuses what it must."""
import io
import json
import os
import tarfile

import pytest

from conftest import ID_COUNT, ID_FIRST, assert_one_error_line, show


def test_lifecycle(wirt):
    wirt("create", "web1")
    st = wirt.status("web1")
    assert st["state"] == "stopped", st
    assert st["pid"] is None and st["supervisor_pid"] is None, st

    wirt("start", "web1")
    st = wirt.status("web1")
    assert st["state"] == "running", st
    assert isinstance(st["pid"], int) and st["pid"] > 1, st
    assert isinstance(st["supervisor_pid"], int) and st["supervisor_pid"] > 1, st
    assert os.path.exists(f"/proc/{st['pid']}"), f"guest PID 1 {st['pid']} is not on the host"
    assert st["id_base"] >= ID_FIRST and (st["id_base"] - ID_FIRST) % ID_COUNT == 0, st
    assert st["id_count"] == ID_COUNT, st
    assert wirt.cgroup_dirs("web1"), "a running vServer has no cgroup"

    cp = wirt.exec("web1", "echo", "hello from inside")
    assert cp.stdout == "hello from inside\n", show(cp)
    wirt.wait_booted("web1")
    cp = wirt.exec("web1", "wget", "-qO-", "http://127.0.0.1/")
    assert "Hello from a wirt vServer" in cp.stdout, show(cp)

    wirt("stop", "web1")
    st = wirt.status("web1")
    assert st["state"] == "stopped", st
    assert st["pid"] is None, st
    assert wirt.cgroup_dirs("web1") == [], "stop left the cgroup"

    wirt("delete", "web1")
    assert wirt.vserver_names() == []
    assert_one_error_line(wirt("status", "web1", check=False), "web1")


def test_list_json_fields(wirt):
    wirt("create", "a", "--hostname", "alpha.example.com", "--autostart")
    wirt("create", "b")
    wirt("start", "a")
    a_status = wirt.status("a")
    entries = wirt.list()
    assert [e["name"] for e in entries] == ["a", "b"], entries
    a, b = entries
    for e in entries:
        assert set(e) >= {"name", "state", "template", "hostname", "pid", "autostart"}, e
    assert a == {"name": "a", "state": "running", "template": "busybox",
                 "hostname": "alpha.example.com", "pid": a_status["pid"], "autostart": True}, a
    assert b == {"name": "b", "state": "stopped", "template": "busybox", "hostname": "b",
                 "pid": None, "autostart": False}, b


def test_status_json_fields(wirt):
    wirt.create_started("s1", wait_console=False)
    st = wirt.status("s1")
    want = {"name", "state", "template", "hostname", "autostart", "id_base", "id_count", "pid",
            "supervisor_pid", "started", "guest_alive", "last_exit"}
    assert set(st) >= want, f"missing {want - set(st)} in {st}"
    assert st["name"] == "s1" and st["template"] == "busybox" and st["guest_alive"] is True, st


def test_start_while_running(wirt):
    wirt.create_started("web1", wait_console=False)
    pid = wirt.status("web1")["pid"]
    cp = wirt("start", "web1", check=False)
    assert_one_error_line(cp, "web1", contains="running")
    st = wirt.status("web1")
    assert st["state"] == "running" and st["pid"] == pid, f"second start changed it: {st}"


def test_stop_while_stopped(wirt):
    wirt("create", "web1")
    cp = wirt("stop", "web1", check=False)
    assert_one_error_line(cp, "web1", contains="not running")
    assert wirt.state("web1") == "stopped"


def test_duplicate_create(wirt):
    wirt("create", "web1")
    before = open(os.path.join(wirt.root, "vservers", "web1", "config")).read()
    cp = wirt("create", "web1", check=False)
    assert_one_error_line(cp, "web1", contains="exists")
    after = open(os.path.join(wirt.root, "vservers", "web1", "config")).read()
    assert before == after, "duplicate create changed the first vServer's config"
    assert len(registry_entries(wirt)) == 1, f"id registry: {registry_entries(wirt)}"


@pytest.mark.parametrize("verb", [
    ["start"], ["stop"], ["restart"], ["status"], ["status", "--json"], ["logs"],
    ["delete"], ["delete", "--force"], ["exec", "@", "--", "true"], ["console"],
])
def test_unknown_vserver(wirt, verb):
    args = [a if a != "@" else "ghost" for a in verb]
    if "ghost" not in args:
        args.insert(1, "ghost")
    cp = wirt(*args, check=False)
    assert_one_error_line(cp, "ghost")
    assert wirt.vserver_names() == []


def registry_entries(wirt):
    """Slot files of the private id registry (dotfiles such as its lock excluded)."""
    return sorted(f for f in os.listdir(wirt.registry) if not f.startswith("."))


BAD_NAMES = {
    "empty": "",
    "64-chars": "a" * 64,
    "dotdot": "../x",
    "slash": "a/b",
    "newline": "a\nb",
    "dot": ".",
    "dotdot-alone": "..",
    "space": "a b",
    "leading-dash": "-x",
    "hidden": ".x",
}


@pytest.mark.parametrize("key", sorted(BAD_NAMES))
def test_invalid_name(wirt, key):
    name = BAD_NAMES[key]
    cp = wirt("create", name, check=False)
    assert cp.returncode in (1, 2), "create accepted an invalid name" + show(cp)
    lines = [l for l in cp.stderr.splitlines() if l.strip()]
    assert len(lines) == 1, f"expected one stderr line for {name!r}" + show(cp)
    assert lines[0].startswith("wirt: "), show(cp)
    assert wirt.vserver_names() == [], f"created {wirt.vserver_names()} for {name!r}"
    # nothing outside vservers/ either: '../x' must not make <root>/x or <root>/../x
    assert sorted(os.listdir(wirt.root)) in (["templates"], ["templates", "vservers"],
                                             ["lock", "templates"],
                                             ["lock", "templates", "vservers"]), \
        sorted(os.listdir(wirt.root))
    assert not os.path.exists(os.path.join(os.path.dirname(wirt.root), "x")) or key != "dotdot"
    assert registry_entries(wirt) == [], f"id registry entries left: {registry_entries(wirt)}"


def test_name_of_63_chars_is_fine(wirt):
    name = "a" * 63
    wirt("create", name)
    assert wirt.vserver_names() == [name]


def test_unknown_template(wirt):
    cp = wirt("create", "web1", "--template", "nosuch", check=False)
    assert_one_error_line(cp, "web1", contains="nosuch")
    assert wirt.vserver_names() == []
    assert registry_entries(wirt) == [], f"id registry entries left: {registry_entries(wirt)}"
    # the name is free afterwards
    wirt("create", "web1")


def _tarball(path, files):
    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))


def test_template_without_sh(wirt, tmp_path):
    tarball = tmp_path / "nosh.tar.gz"
    _tarball(tarball, {"etc/hostname": b"nosh\n"})
    imp = wirt("template", "import", "nosh", str(tarball), check=False)
    if imp.returncode != 0:
        # refusing at import is as good: then the template does not exist
        assert_one_error_line(imp, "nosh")
    cp = wirt("create", "web1", "--template", "nosh", check=False)
    assert_one_error_line(cp, "web1")
    if imp.returncode == 0:
        assert "/bin/sh" in cp.stderr, "the error should say what the template lacks" + show(cp)
    assert wirt.vserver_names() == []
    assert registry_entries(wirt) == [], f"id registry entries left: {registry_entries(wirt)}"


@pytest.mark.parametrize("field,section,line,bad", [
    ("hostname", "[vserver]", "hostname", "bad..name"),
    ("base", "[ids]", "base", "12"),
    ("stop-timeout", "[vserver]", "stop-timeout", "-5"),
])
def test_bad_config_value(wirt, field, section, line, bad):
    wirt("create", "web1")
    path = os.path.join(wirt.root, "vservers", "web1", "config")
    text = open(path).read()
    lines = text.splitlines()
    hits = [i for i, l in enumerate(lines) if l.split("=")[0].strip() == line]
    assert len(hits) == 1, f"config has no single '{line} =' line:\n{text}"
    lines[hits[0]] = f"{line} = {bad}"
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")

    cp = wirt("start", "web1", check=False)
    err = assert_one_error_line(cp, "web1")
    assert field in err, f"error does not name the field '{field}'" + show(cp)
    assert wirt.cgroup_dirs("web1") == [], "a refused start left a cgroup"
    assert not os.path.exists(os.path.join(wirt.root, "run", "web1", "state")), \
        "a refused start left runtime state"
    assert wirt.procs_naming_root() == [], "a refused start left a process"
    # still deletable (teardown checks the rest)
    wirt("delete", "web1")


def test_template_delete_refused_while_used(wirt):
    wirt("create", "web1")
    cp = wirt("template", "delete", "busybox", check=False)
    assert_one_error_line(cp, "busybox")
    assert os.path.isdir(os.path.join(wirt.root, "templates", "busybox", "rootfs"))
    wirt("delete", "web1")
    wirt("template", "delete", "busybox")
    assert not os.path.exists(os.path.join(wirt.root, "templates", "busybox"))


def test_template_list_json(wirt):
    cp = wirt("template", "list", "--json")
    entries = json.loads(cp.stdout)
    assert [e["name"] for e in entries] == ["busybox"], entries
    assert entries[0]["users"] == 0, entries
    wirt("create", "web1")
    entries = json.loads(wirt("template", "list", "--json").stdout)
    assert entries[0]["users"] == 1, entries


@pytest.mark.parametrize("verb", ["start", "stop", "status", "logs", "delete", "console"])
@pytest.mark.parametrize("name", ["../templates", "a/b", ""], ids=["dotdot", "slash", "empty"])
def test_invalid_name_other_verbs(wirt, verb, name):
    args = [verb, name] if verb != "delete" else [verb, "--force", name]
    before = sorted(os.listdir(wirt.root))
    cp = wirt(*args, check=False)
    assert cp.returncode in (1, 2), show(cp)
    assert len([l for l in cp.stderr.splitlines() if l.strip()]) == 1, show(cp)
    assert sorted(os.listdir(wirt.root)) == before, "a refused name changed the root dir"
    assert os.path.isdir(os.path.join(wirt.root, "templates", "busybox", "rootfs")), \
        f"{verb} {name!r} touched the templates"

"""Processes as /proc shows them (no psutil needed), for the tests that check none is left."""

from __future__ import annotations

from pathlib import Path


def _state_and_parent(stat: str) -> tuple[str, int]:
    fields = stat.rpartition(")")[2].split()  # after the command name, which may hold spaces
    return fields[0], int(fields[1])


def children(pid: int) -> list[int]:
    """Live (not zombie) processes whose parent is `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            state, parent = _state_and_parent((entry / "stat").read_text())
        except OSError:
            continue
        if parent == pid and state != "Z":
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """Whether `pid` is a process that has not ended (a zombie has)."""
    try:
        state, _ = _state_and_parent(Path(f"/proc/{pid}/stat").read_text())
    except OSError:
        return False
    return state != "Z"


def descendants(pid: int) -> list[int]:
    """Live processes below `pid`: its children, theirs, and so on."""
    found: list[int] = []
    below = children(pid)
    while below:
        found += below
        below = [grandchild for child in below for grandchild in children(child)]
    return found


def command_line(pid: int) -> list[str]:
    """The program and arguments `pid` was started with; [] once it has gone."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def pythons(pids: list[int]) -> list[int]:
    """The Python processes among `pids`: not, say, the `fc-list` that matplotlib runs while
    it builds its font list (every time, when it has no writable folder to keep it in)."""
    return [pid for pid in pids if "python" in Path((command_line(pid) or [""])[0]).name]

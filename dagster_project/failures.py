"""Every failure in words the county's staff can act on: what failed, where (file, row, column,
path), and what to do next. Tool errors (dbt, DuckDB, the operating system) are translated here;
raw tool output never reaches the alert without its explanation, has its colour codes removed, and
has anything shaped like an ID number hidden.
"""

from __future__ import annotations

import errno
import re
import shutil
from collections.abc import Mapping
from pathlib import Path

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
# an ID number (18 or 15 characters), also inside a G student number
_ID_LIKE = re.compile(r"(?<![0-9A-Za-z])[GgJjLl]?\d{14}(?:\d{3}[\dXx]|\d)(?![0-9A-Za-z])")
_QUOTED_PATH = re.compile(r'"(/[^"]+)"')
_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (.+?) \(PID (\d+)\)")
AGAIN = "然后重新运行（make pipeline）"
HIDDEN = "<已隐去>"


def plain(text: str) -> str:
    """Tool output fit for a message: no colour codes, no ID numbers."""
    return _ID_LIKE.sub(HIDDEN, _ANSI.sub("", text))


def _free(path: Path) -> str:
    for candidate in (path, *path.parents):
        try:
            return f"{shutil.disk_usage(candidate).free / 2**20:,.0f} MB"
        except OSError:
            continue
    return "未知"


def _setting_for(path: Path, settings: Mapping[str, Path]) -> str:
    """The environment variable that moves ``path`` elsewhere, if one does."""
    for name, configured in settings.items():
        for root in (configured, configured.parent):
            if path == root or root in path.parents:
                return f"，或把 {name} 指向其他目录"
    return ""


def _errno_of(error: BaseException) -> int | None:
    if isinstance(error, OSError) and error.errno:
        return error.errno
    text = str(error)
    for code, words in ((errno.ENOSPC, "No space left"), (errno.EROFS, "Read-only file system")):
        if words in text:
            return code
    if "Permission denied" in text:
        return errno.EACCES
    return None


def storage_message(
    error: BaseException, path: Path | None = None, settings: Mapping[str, Path] | None = None
) -> str | None:
    """Disk full, read-only file system or no permission, naming the path; None for other errors.
    ``path`` is where the write went when the caller knows it (an OSError's own file name may be
    the source of a copy, not its target); else the path the error names."""
    code = _errno_of(error)
    if code not in (errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM):
        return None
    if path is None:
        named = getattr(error, "filename", None) or next(iter(_QUOTED_PATH.findall(str(error))), None)
        path = Path(named) if named else None
    where = str(path) if path else "（未知路径）"
    move = _setting_for(path, settings or {}) if path else ""
    if code == errno.ENOSPC:
        return (
            f"磁盘空间不足：写入 {where} 时失败（该磁盘剩余 {_free(path) if path else '未知'}）。"
            f"请清理该磁盘{move}，{AGAIN}"
        )
    why = "所在的文件系统是只读的" if code == errno.EROFS else "运行作业的用户没有写权限"
    return f"无法写入 {where}：{why}。请检查该目录的挂载方式和权限{move}，{AGAIN}"


def _command_of(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def lock_message(error: BaseException, build_db: Path) -> str | None:
    """The build warehouse held by another process (DuckDB allows one writer)."""
    m = _LOCK_HOLDER.search(str(error))
    if not m:
        return None
    program, pid = m.groups()
    command = _command_of(pid) or program
    return (
        f"构建库 {build_db} 正被进程 {pid}（{command[:200]}）占用，本次运行无法写入。"
        "这通常是上次运行遗留的 dbt 进程，或有人用 DuckDB 打开了构建库。"
        f"请等该进程结束，或确认后结束它（kill {pid}），{AGAIN}；查询数据请打开已发布的仓库（make sql），不要打开构建库"
    )


def stale_manifest_message(unique_id: str) -> str:
    return (
        f"Dagster 读取的 dbt 清单（dbt/target/manifest.json）与 dbt 项目不一致：清单里没有 {unique_id}"
        "（dbt 项目改动后没有重新解析）。请运行 make manifest，并重启 Dagster（dagster dev 或守护进程），"
        f"{AGAIN}"
    )


def is_dbt_unique_id(key: object) -> bool:
    return isinstance(key, str) and bool(re.fullmatch(r"(model|seed|test|snapshot|source|unit_test)\.\w+\..+", key))

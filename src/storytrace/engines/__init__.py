"""Engines for the corpus-wide stages: `local` (in-process, default) and `spark` (PySpark).

`check_spark` says, before any work starts, why Spark cannot run (no pyspark, no Java, a master
that does not answer), so the user gets one clear line and a suggestion, never a silent fallback.
"""
from __future__ import annotations

import os
import shutil
import socket
from urllib.parse import urlparse

SPARK_HINT = "run with --engine local, or"


def _java_ok() -> bool:
    home = os.environ.get("JAVA_HOME")
    if home and os.path.exists(os.path.join(home, "bin", "java")):
        return True
    return shutil.which("java") is not None


def _reachable(master: str, timeout: float = 3.0) -> str | None:
    """None when a spark:// master accepts TCP connections, else why not."""
    u = urlparse(master)
    hosts = [(h.split(":")[0], int(h.split(":")[1]) if ":" in h else 7077) for h in u.netloc.split(",") if h]
    errors = []
    for host, port in hosts:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                return None
        except OSError as e:
            errors.append(f"{host}:{port} ({e.strerror or e})")
    return "Spark master not reachable: " + ", ".join(errors)


def check_spark(master: str | None) -> str | None:
    """None when the Spark engine can run against `master` (default local[*]), else one line
    naming what is missing."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return f"the Spark engine needs pyspark: pip install 'storytrace[spark]' ({SPARK_HINT} install it)"
    if not _java_ok():
        return f"the Spark engine needs Java (17 or newer) on PATH or JAVA_HOME ({SPARK_HINT} install a JDK)"
    master = master or "local[*]"
    if master.startswith("local"):
        return None
    if master.startswith("spark://"):
        problem = _reachable(master)
        return None if problem is None else f"{problem} ({SPARK_HINT} check --spark-master)"
    if master.startswith(("yarn", "k8s://", "mesos://")):
        return None
    return f"unknown Spark master URL {master!r}: use local[N], spark://HOST:PORT, yarn or k8s://..."

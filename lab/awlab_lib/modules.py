"""Builds the lab's server modules from lab/modules/ on first use: the PostgreSQL module
awlab_rds (defines rds.extensions; PGXS, postgresql-server-dev-15) and the MariaDB plugins
aurora / aurora_sql (libmariadbd-dev). A build is kept per content hash of its sources, so
an edit rebuilds and parallel lab commands share one build."""

import hashlib
import os
import shutil
import tempfile

from . import common
from .common import LabError

SOURCES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "modules")
# Outside the lab root: `down --all` clears that, and builds outlive clusters.
CACHE = os.environ.get("AWLAB_MODULE_CACHE", "/var/cache/awlab/modules")

# What each module needs, for a clear error on a machine without the packages.
_REQUIREMENTS = {
    "pg_rds": ("/usr/lib/postgresql/15/lib/pgxs/src/makefiles/pgxs.mk",
               "postgresql-server-dev-15"),
    "mariadb_aurora": ("/usr/include/mariadb/server/mysql/plugin_audit.h", "libmariadbd-dev"),
}


def _digest(directory):
    digest = hashlib.sha256()
    for name in sorted(os.listdir(directory)):
        digest.update(name.encode() + b"\0")
        with open(os.path.join(directory, name), "rb") as handle:
            digest.update(handle.read() + b"\0")
    return digest.hexdigest()[:16]


def build(module):
    """Returns the directory holding the built module (world-readable), building it if needed."""
    source = os.path.join(SOURCES, module)
    header, package = _REQUIREMENTS[module]
    if not os.path.exists(header):
        raise LabError("building lab module %s needs the Debian package %s (missing %s); "
                       "run scripts/setup.sh" % (module, package, header))
    target = os.path.join(CACHE, "%s-%s" % (module, _digest(source)))
    if os.path.isdir(target):
        return target
    os.makedirs(CACHE, mode=0o755, exist_ok=True)
    with common.FileLock(os.path.join(CACHE, ".%s.lock" % module)):
        if os.path.isdir(target):
            return target
        work = tempfile.mkdtemp(prefix=".build-%s-" % module, dir=CACHE)
        try:
            for name in os.listdir(source):
                shutil.copy(os.path.join(source, name), work)
            # with_llvm=no: no JIT bitcode (it would need clang, which the lab does not use).
            common.run(["make", "-C", work, "with_llvm=no"], timeout=300)
            os.chmod(work, 0o755)
            for name in os.listdir(work):
                os.chmod(os.path.join(work, name), 0o755 if name.endswith(".so") else 0o644)
            os.rename(work, target)
        finally:
            if os.path.isdir(work):
                shutil.rmtree(work, ignore_errors=True)
    return target


def pg_library():
    """Absolute path of awlab_rds.so, for shared_preload_libraries."""
    return os.path.join(build("pg_rds"), "awlab_rds.so")


def mariadb_plugin_dir():
    """A plugin_dir holding aurora.so (MariaDB loads plugins only from plugin_dir)."""
    return build("mariadb_aurora")

"""MariaDB 10.11 primary/replica nodes with GTID replication, and the RDS
Multi-AZ (MySQL) emulation table mysql.rds_topology. Admin work goes through
root on the node's own unix socket, so a black-holed node stays manageable."""

import concurrent.futures
import os
import pwd
import signal
import socket
import subprocess
import time

from . import common, modules
from .common import LAB_DATABASE, LAB_PASSWORD, LAB_USER, LabError

PORT = 3306
OS_USER = "mysql"
# @@aurora_version of the emulated Aurora MySQL (3.x is MySQL 8.0 compatible).
AURORA_MYSQL_VERSION = "3.05.2"


def node_dir(state, k):
    return os.path.join(common.cluster_dir(state["name"]), "node-%d" % k)


def data_dir(state, k):
    return os.path.join(node_dir(state, k), "data")


def socket_path(state, k):
    return os.path.join(node_dir(state, k), "mariadbd.sock")


def pid_file(state, k):
    return os.path.join(node_dir(state, k), "mariadbd.pid")


def config_file(state, k):
    return os.path.join(node_dir(state, k), "my.cnf")


def tmp_dir(state, k):
    # Own temp dir per node: servers sharing /tmp collide on temporary table names.
    return os.path.join(node_dir(state, k), "tmp")


def log_file(state, k):
    return os.path.join(node_dir(state, k), "error.log")


def _mysql_ids():
    entry = pwd.getpwnam(OS_USER)
    return entry.pw_uid, entry.pw_gid


def write_config(state, k, read_only):
    name = state["name"]
    lines = [
        "# written by awlab for cluster %s; rewritten on role changes" % name,
        "[mariadbd]",
        "user=%s" % OS_USER,
        "datadir=%s" % data_dir(state, k),
        "socket=%s" % socket_path(state, k),
        "pid-file=%s" % pid_file(state, k),
        "tmpdir=%s" % tmp_dir(state, k),
        "log-error=%s" % log_file(state, k),
        "bind-address=%s" % common.node_ip(state["base"], k),
        "port=%d" % PORT,
        "server_id=%d" % k,
        "report_host=%s" % common.instance_host(name, k),
        "log_bin=mariadb-bin",
        "log_slave_updates=ON",
        "binlog_format=ROW",
        "skip_name_resolve=ON",
        "read_only=%s" % ("ON" if read_only else "OFF"),
        "innodb_buffer_pool_size=32M",
        "innodb_log_file_size=16M",
        "performance_schema=OFF",
        "max_connections=200",
        "slave_net_timeout=5",
        "lc_messages=en_US",
        "character_set_server=utf8mb4",
        "skip_slave_start=OFF",
    ]
    if state.get("sync") and state["nodes"] > 1:
        # Semi-synchronous: a commit waits for one replica's acknowledgement.
        # Only the writer waits: a replica applying with log_slave_updates would
        # otherwise wait (until the timeout) for acknowledgements nobody sends.
        lines += ["rpl_semi_sync_master_enabled=%s" % ("OFF" if read_only else "ON"),
                  "rpl_semi_sync_slave_enabled=ON", "rpl_semi_sync_master_timeout=30000",
                  # AFTER_SYNC: the writer's engine commits (and the client hears so) only
                  # after a replica acknowledged the transaction, so no acknowledged commit
                  # exists on the writer alone.
                  "rpl_semi_sync_master_wait_point=AFTER_SYNC"]
    if state["flavour"] == "aurora":
        # The lab's plugins (lab/modules/mariadb_aurora): @@aurora_server_id, @@aurora_version,
        # and the rewrite that answers information_schema.replica_host_status and
        # @@innodb_read_only. Built-in plugins (semisync) need no plugin_dir.
        lines += ["plugin_dir=%s" % modules.mariadb_plugin_dir(),
                  "plugin_maturity=experimental",
                  "plugin_load_add=aurora.so",
                  "aurora_server_id=%s" % common.node_name(k),
                  "aurora_version=%s" % AURORA_MYSQL_VERSION]
    lines += [setting.strip() for setting in state.get("settings", [])]
    path = config_file(state, k)
    with open(path, "w") as handle:
        handle.write("\n".join(lines) + "\n")
    os.chmod(path, 0o644)


def admin(state, k, sql, timeout=30, check=True, database=None, column_names=False):
    """Runs SQL as root over the node's unix socket; rows tab-separated (a header row first
    with column_names)."""
    argv = ["mariadb", "--no-defaults", "--socket=" + socket_path(state, k), "-uroot",
            "--batch", "--connect-timeout=2"]
    if not column_names:
        argv.append("--skip-column-names")
    if database:
        argv += ["-D", database]
    # SQL on stdin, not argv: CHANGE MASTER carries a password.
    return common.run(argv, check=check, timeout=timeout, input_text=sql)


def client(state, k, sql, timeout=10, connect_timeout=1):
    """Runs SQL as the lab login over TCP, as a client would."""
    env = dict(os.environ)
    env["MYSQL_PWD"] = LAB_PASSWORD
    argv = ["mariadb", "--no-defaults", "-h", common.node_ip(state["base"], k), "-P", str(PORT),
            "-u", LAB_USER, "--batch", "--skip-column-names",
            "--connect-timeout=%d" % connect_timeout, "-D", LAB_DATABASE, "-e", sql]
    return common.run(argv, check=False, timeout=timeout, env=env)


# ---------------------------------------------------------------- lifecycle


def main_pid(state, k):
    try:
        with open(pid_file(state, k)) as handle:
            pid = int(handle.read().strip())
    except (FileNotFoundError, ValueError, PermissionError):
        return None
    return pid if common.pid_alive(pid) else None


def server_pids(state, k):
    pid = main_pid(state, k)
    return common.process_tree([pid]) if pid else []


def _wait_ready(state, k, process, timeout=60):
    """Ready when the server's unix socket sends its greeting packet."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            break
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        probe.settimeout(1)
        try:
            probe.connect(socket_path(state, k))
            if probe.recv(4):
                if main_pid(state, k):
                    return
        except OSError:
            pass
        finally:
            probe.close()
        time.sleep(0.05)
    raise LabError("%s did not start:\n%s" % (common.node_name(k), log_tail(state, k)))


def start(state, k, writer=None):
    pid = main_pid(state, k)
    if pid:
        return pid
    if writer is not None:
        write_config(state, k, read_only=not writer)
    for stale in (pid_file(state, k), socket_path(state, k)):
        if os.path.exists(stale):
            os.unlink(stale)
    with open(os.devnull, "rb") as null_in, open(log_file(state, k) + ".stdout", "ab") as out:
        process = subprocess.Popen(["/usr/sbin/mariadbd", "--defaults-file=" + config_file(state, k)],
                                   stdin=null_in, stdout=out, stderr=out, start_new_session=True,
                                   close_fds=True)
    _wait_ready(state, k, process)
    return main_pid(state, k)


def stop_clean(state, k):
    pid = main_pid(state, k)
    if not pid:
        return
    os.kill(pid, signal.SIGTERM)  # mariadbd shuts down cleanly on SIGTERM
    if not common.wait_dead([pid], 60):
        raise LabError("%s did not stop within 60 s" % common.node_name(k))


def _install(state, k):
    directory = node_dir(state, k)
    common.remove_tree(directory)
    os.makedirs(directory, mode=0o755)
    os.chown(directory, *_mysql_ids())
    os.makedirs(tmp_dir(state, k), mode=0o700)
    os.chown(tmp_dir(state, k), *_mysql_ids())
    env = dict(os.environ)
    env["TMPDIR"] = tmp_dir(state, k)
    common.run(["mariadb-install-db", "--no-defaults", "--datadir=" + data_dir(state, k),
                "--user=" + OS_USER, "--auth-root-authentication-method=normal",
                "--skip-test-db"], timeout=120, env=env)


def _change_master_sql(state, writer, use_gtid="slave_pos"):
    return ("CHANGE MASTER TO MASTER_HOST='%s', MASTER_PORT=%d, MASTER_USER='%s', "
            "MASTER_PASSWORD='%s', MASTER_CONNECT_RETRY=1, MASTER_HEARTBEAT_PERIOD=1, "
            "MASTER_USE_GTID=%s" % (common.node_ip(state["base"], writer), PORT, LAB_USER,
                                    LAB_PASSWORD, use_gtid))


def _setup_sql(state, aurora_objects=True):
    """aurora_objects=False: without the aurora flavour's topology table and view (a reclone
    copies them, with the writer's rows, from the writer's dump)."""
    name = state["name"]
    sql = [
        # '127.%' = 127.0.0.0/8 (skip_name_resolve is on).
        "CREATE USER '%s'@'127.%%' IDENTIFIED BY '%s'" % (LAB_USER, LAB_PASSWORD),
        "GRANT ALL PRIVILEGES ON *.* TO '%s'@'127.%%' WITH GRANT OPTION" % LAB_USER,
        # Like the RDS master user, the login must not write through read_only
        # (ALL includes READ_ONLY ADMIN, which would let it write on replicas).
        "REVOKE READ_ONLY ADMIN ON *.* FROM '%s'@'127.%%'" % LAB_USER,
        "CREATE DATABASE %s" % LAB_DATABASE,
        "CREATE DATABASE awlab",
        "CREATE TABLE awlab.write_probe(id BIGINT AUTO_INCREMENT PRIMARY KEY, node VARCHAR(64), "
        "at TIMESTAMP(6) DEFAULT CURRENT_TIMESTAMP(6))",
    ]
    if state["flavour"] == "multi-az":
        rows = ", ".join("(%d, '%s', %d)" % (k, common.instance_host(name, k), PORT)
                         for k in range(1, state["nodes"] + 1))
        sql += [
            "CREATE TABLE mysql.rds_topology(id BIGINT NOT NULL PRIMARY KEY, "
            "endpoint VARCHAR(255) NOT NULL, port INT NOT NULL)",
            "INSERT INTO mysql.rds_topology(id, endpoint, port) VALUES " + rows,
            "GRANT SELECT ON mysql.rds_topology TO '%s'@'127.%%'" % LAB_USER,
        ]
    if state["flavour"] == "aurora" and aurora_objects:
        sql += _aurora_sql(state)
    return ";\n".join(sql) + ";"


def _aurora_sql(state):
    """The topology table (on the writer, replicated, so readers see it, and see it stale
    during a failover, as on Aurora) and the view that the aurora_sql plugin answers
    information_schema.replica_host_status from, with Aurora MySQL's columns. Their names are
    lower case: a client that reads by name (the AWS Node.js wrapper: row["server_id"],
    row["cpu"]) gets the name as it wrote it on Aurora, and the view names the result."""
    rows = ", ".join("('%s', %s)" % (common.node_name(k), "TRUE" if k == state["writer"] else "FALSE")
                     for k in range(1, state["nodes"] + 1))
    return [
        "CREATE TABLE awlab.topology(server_id VARCHAR(100) NOT NULL PRIMARY KEY, "
        "is_writer BOOLEAN NOT NULL, cpu DOUBLE NOT NULL DEFAULT 2.5, "
        "replica_lag_in_milliseconds DOUBLE NOT NULL DEFAULT 10, "
        "last_update_timestamp DATETIME(6) NULL)",
        "INSERT INTO awlab.topology(server_id, is_writer) VALUES " + rows,
        # Every instance reports continuously on Aurora: the timestamp is now unless the lab
        # set one (to make an instance look stale).
        "CREATE SQL SECURITY INVOKER VIEW awlab.replica_host_status AS SELECT "
        "t.server_id AS server_id, "
        "IF(t.is_writer, 'MASTER_SESSION_ID', "
        # A uuid per reader, derived from its name.
        "CONCAT_WS('-', SUBSTR(MD5(CONCAT(t.server_id, ':session')), 1, 8), "
        "SUBSTR(MD5(CONCAT(t.server_id, ':session')), 9, 4), "
        "SUBSTR(MD5(CONCAT(t.server_id, ':session')), 13, 4), "
        "SUBSTR(MD5(CONCAT(t.server_id, ':session')), 17, 4), "
        "SUBSTR(MD5(CONCAT(t.server_id, ':session')), 21, 12))) AS session_id, "
        "CAST(0 AS DOUBLE) AS iops, CAST(0 AS UNSIGNED) AS read_ios, "
        "CAST(0 AS UNSIGNED) AS pending_read_ios, t.cpu AS cpu, "
        "CAST(NULL AS UNSIGNED) AS durable_lsn, CAST(NULL AS UNSIGNED) AS active_lsn, "
        "0 AS last_transport_error, CAST(NULL AS DATETIME(6)) AS last_error_timestamp, "
        "COALESCE(t.last_update_timestamp, NOW(6)) AS last_update_timestamp, "
        "CAST(IF(t.is_writer, 0, t.replica_lag_in_milliseconds * 1000) AS DOUBLE) "
        "AS master_slave_latency_in_microseconds, "
        "IF(t.is_writer, 0, t.replica_lag_in_milliseconds) AS replica_lag_in_milliseconds, "
        "CAST(0 AS DOUBLE) AS log_stream_speed_in_kib_per_second, "
        "CAST(NULL AS UNSIGNED) AS log_buffer_sequence_number, 1 AS is_current, "
        "CAST(NULL AS UNSIGNED) AS oldest_read_view_trx_id, "
        "CAST(NULL AS UNSIGNED) AS oldest_read_view_lsn, "
        "CAST(NULL AS UNSIGNED) AS highest_lsn_received, "
        "CAST(NULL AS UNSIGNED) AS current_read_point, "
        "CAST(0 AS UNSIGNED) AS current_replay_latency_in_microseconds, "
        "CAST(0 AS UNSIGNED) AS average_replay_latency_in_microseconds, "
        "CAST(0 AS UNSIGNED) AS max_replay_latency_in_microseconds "
        "FROM awlab.topology t",
        "GRANT SELECT ON awlab.replica_host_status TO '%s'@'127.%%'" % LAB_USER,
    ]


def create(state):
    name, writer = state["name"], state["writer"]
    numbers = list(range(1, state["nodes"] + 1))

    def build(k):
        _install(state, k)
        write_config(state, k, read_only=(k != writer))
        start(state, k)
        common.event(name, "node_up", k, role="writer" if k == writer else "reader")

    with concurrent.futures.ThreadPoolExecutor(max_workers=len(numbers)) as pool:
        for future in [pool.submit(build, k) for k in numbers]:
            future.result()
    if state.get("sync"):
        admin(state, writer, "SET GLOBAL rpl_semi_sync_master_enabled=OFF")
    admin(state, writer, _setup_sql(state))
    for k in numbers:
        if k != writer:
            admin(state, k, _change_master_sql(state, writer) + "; START SLAVE")
    wait_replicas(state, writer, [k for k in numbers if k != writer], timeout=30)
    if state.get("sync"):
        admin(state, writer, "SET GLOBAL rpl_semi_sync_master_enabled=ON")


def _gtid_seq(text):
    best = 0
    for part in (text or "").strip().split(","):
        pieces = part.strip().split("-")
        if len(pieces) == 3 and pieces[2].isdigit():
            best = max(best, int(pieces[2]))
    return best


def wait_replicas(state, writer, replicas, timeout):
    """Waits until every replica has applied the writer's current GTID position."""
    if not replicas:
        return
    target = _gtid_seq(admin(state, writer, "SELECT @@gtid_binlog_pos").stdout)
    deadline = time.monotonic() + timeout
    pending = set(replicas)
    while pending:
        for k in sorted(pending):
            done = admin(state, k, "SELECT @@gtid_slave_pos", check=False, timeout=5)
            if done.returncode == 0 and _gtid_seq(done.stdout) >= target:
                pending.discard(k)
        if not pending:
            return
        if time.monotonic() > deadline:
            status = admin(state, sorted(pending)[0], "SHOW SLAVE STATUS\\G", check=False).stdout
            raise LabError("replicas %s did not catch up within %ss:\n%s" %
                           (sorted(pending), timeout, status[-1500:]))
        time.sleep(0.05)


# ---------------------------------------------------------------- roles


def _semi_sync(state, writer):
    if not (state.get("sync") and state["nodes"] > 1):
        return ""
    return "SET GLOBAL rpl_semi_sync_master_enabled=%s; " % ("ON" if writer else "OFF")


def _slave_status_field(state, k, field):
    """One column of SHOW SLAVE STATUS by name; None when the node replicates from nobody."""
    done = admin(state, k, "SHOW SLAVE STATUS", check=False, timeout=5, column_names=True)
    lines = done.stdout.split("\n")
    if done.returncode != 0 or len(lines) < 2 or not lines[1]:
        return None
    row = dict(zip(lines[0].split("\t"), lines[1].split("\t")))
    value = row.get(field)
    return None if value in (None, "NULL") else value


def promote(state, k):
    # Apply everything the replica has received before it stops being one: RESET SLAVE ALL
    # throws the relay log away, and with semi-sync an acknowledged commit may be only there.
    admin(state, k, "STOP SLAVE IO_THREAD", timeout=30, check=False)
    received = _slave_status_field(state, k, "Gtid_IO_Pos")
    if received:
        done = admin(state, k, "SELECT MASTER_GTID_WAIT('%s', 30)" % received, timeout=35, check=False)
        if done.returncode != 0 or done.stdout.strip() != "0":
            common.event(state["name"], "promote_apply_incomplete", k, received=received,
                         detail=(done.stdout + done.stderr)[-300:])
    admin(state, k, "STOP SLAVE; RESET SLAVE ALL; " + _semi_sync(state, True) +
          "SET GLOBAL read_only=OFF", timeout=30)
    write_config(state, k, read_only=False)


def _master_host(state, k):
    return _slave_status_field(state, k, "Master_Host")


def follow(state, k, writer):
    """Points replica k at the writer (no-op if it already replicates from it)."""
    if not main_pid(state, k):
        return
    write_config(state, k, read_only=True)
    current = _master_host(state, k)
    if current == common.node_ip(state["base"], writer):
        admin(state, k, _semi_sync(state, False) + "SET GLOBAL read_only=ON; START SLAVE",
              timeout=5)
        return
    # A node that never replicated (a former writer) has its own transactions
    # in its binlog position, not in its slave position.
    use_gtid = "slave_pos" if current else "current_pos"
    admin(state, k, _semi_sync(state, False) + "SET GLOBAL read_only=ON; STOP SLAVE; " +
          _change_master_sql(state, writer, use_gtid) + "; START SLAVE", timeout=10)


def rejoin(state, k, writer):
    """Makes node k (typically a former writer) a read-only replica of the writer.
    current_pos: a former writer's own transactions are in its binlog, not its slave pos.
    A former writer that crashed may hold transactions no replica received (committed in its
    binlog, never acknowledged); the writer then refuses it (error 1236, "diverged"), and it is
    rebuilt from a copy of the writer's data instead."""
    write_config(state, k, read_only=True)
    if not main_pid(state, k):
        start(state, k)
    admin(state, k, _semi_sync(state, False) + "SET GLOBAL read_only=ON; STOP SLAVE; RESET SLAVE ALL; " +
          _change_master_sql(state, writer, "current_pos") + "; START SLAVE", timeout=30)
    # The refusal comes just after the IO thread reports itself running: it counts as joined
    # once it has stayed running for a moment.
    deadline = time.monotonic() + 5
    running_since = None
    while time.monotonic() < deadline:
        if _slave_status_field(state, k, "Last_IO_Errno") == "1236":
            common.event(state["name"], "diverged", k,
                         detail=(_slave_status_field(state, k, "Last_IO_Error") or "")[-300:])
            reclone(state, k, writer)
            return "reclone"
        if _slave_status_field(state, k, "Slave_IO_Running") == "Yes":
            running_since = running_since or time.monotonic()
            if time.monotonic() - running_since > 0.5:
                return "change_master"
        else:
            running_since = None
        time.sleep(0.02)
    return "change_master"


def reclone(state, k, writer):
    """Rebuilds node k as an empty server loaded with a consistent copy of the writer's
    databases (mariadb-dump --single-transaction --gtid) and its logins (the privilege
    tables), replicating from the dump's position."""
    pid = main_pid(state, k)
    if pid:
        common.signal_all(server_pids(state, k), signal.SIGKILL)
        common.wait_dead([pid], 10)
    _install(state, k)
    write_config(state, k, read_only=True)
    start(state, k)
    # The node's own setup is not replicated: it must not add GTIDs of its own.
    admin(state, k, "SET sql_log_bin=0;\n" + _setup_sql(state, aurora_objects=False))
    dump = common.run(["mariadb-dump", "--no-defaults", "--socket=" + socket_path(state, writer), "-uroot",
                       "--single-transaction", "--gtid", "--master-data=1", "--routines", "--databases",
                       LAB_DATABASE, "awlab"], timeout=60)
    admin(state, k, "SET sql_log_bin=0;\n" + dump.stdout, timeout=60)
    # Logins live in the mysql schema, which the dump above leaves out: a user a test created on
    # the writer would be refused here (once this node is promoted). Copy the privilege tables
    # row for row; the node's own setup made the same lab users, so REPLACE keeps them.
    grants = common.run(["mariadb-dump", "--no-defaults", "--socket=" + socket_path(state, writer),
                         "-uroot", "--no-create-info", "--replace", "--skip-add-locks",
                         "--skip-disable-keys", "--skip-triggers", "mysql", "global_priv", "db",
                         "tables_priv", "columns_priv", "procs_priv", "proxies_priv",
                         "roles_mapping"], timeout=60)
    admin(state, k, "SET sql_log_bin=0; USE mysql;\n" + grants.stdout + "\nFLUSH PRIVILEGES",
          timeout=60)
    admin(state, k, "SET GLOBAL read_only=ON; " + _change_master_sql(state, writer, "slave_pos") +
          "; START SLAVE", timeout=30)


def recover_reader(state, k, writer):
    write_config(state, k, read_only=True)
    start(state, k)
    follow(state, k, writer)
    return "restart"


def replay_position(state, k):
    """How far the replica's data reaches: what it applied or, beyond that, received (promote
    applies the received rest first), so the replica holding the newest acknowledged commit
    is chosen."""
    done = admin(state, k, "SELECT @@gtid_slave_pos", check=False, timeout=4)
    if done.returncode != 0:
        return None
    return max(_gtid_seq(done.stdout), _gtid_seq(_slave_status_field(state, k, "Gtid_IO_Pos")))


def write_probe(state, k):
    done = client(state, k, "INSERT INTO awlab.write_probe(node) VALUES ('%s')" %
                  common.node_name(k))
    return done.returncode == 0


def publish_topology(state):
    """aurora: writes the new writer into the replicated topology table (on the writer).
    multi-az: mysql.rds_topology lists instances, not roles: readers learn the writer from
    SHOW REPLICA STATUS, which follow() has already changed."""
    if state["flavour"] != "aurora":
        return None
    admin(state, state["writer"], "UPDATE awlab.topology SET is_writer = (server_id = '%s')" %
          common.node_name(state["writer"]), timeout=30)
    return None


def sql(state, k, text, timeout):
    return admin(state, k, text, timeout=timeout, check=False, database=LAB_DATABASE)


def log_tail(state, k):
    try:
        with open(log_file(state, k)) as handle:
            return handle.read()[-1500:]
    except (FileNotFoundError, PermissionError):
        return ""

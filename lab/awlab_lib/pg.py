"""PostgreSQL 15 streaming-replication nodes, with the Aurora and Multi-AZ
emulation functions. Every node keeps its configuration in files the lab
rewrites from the cluster state (postgresql.conf, pg_hba.conf and
awlab_primary.conf), so pg_rewind copying the source's files is harmless."""

import base64
import concurrent.futures
import hashlib
import os
import time

from . import common, modules
from .common import LAB_DATABASE, LAB_PASSWORD, LAB_USER, LabError

BIN = "/usr/lib/postgresql/15/bin"
PORT = 5432
OS_USER = "postgres"


def _as_postgres(argv):
    return ["runuser", "-u", OS_USER, "--"] + argv


def node_dir(state, k):
    return os.path.join(common.cluster_dir(state["name"]), "node-%d" % k)


def data_dir(state, k):
    return os.path.join(node_dir(state, k), "data")


def log_file(state, k):
    return os.path.join(node_dir(state, k), "server.log")


def dbi_resource_id(cluster, k):
    digest = hashlib.sha1(("%s:%d" % (cluster, k)).encode()).digest()
    return "db-" + base64.b32encode(digest).decode()[:26]


# rds.extensions as RDS shows it: the extensions an instance offers. RDS for PostgreSQL and
# Multi-AZ DB clusters list rds_tools but not aurora_stat_utils; Aurora lists both. Clients
# look only for those two names; the rest is a representative excerpt of the real list.
_COMMON_EXTENSIONS = ["amcheck", "aws_commons", "aws_s3", "bloom", "btree_gin", "btree_gist",
                      "citext", "dblink", "hstore", "pg_stat_statements", "pg_trgm", "pgcrypto",
                      "plpgsql", "postgres_fdw", "tablefunc", "uuid-ossp"]
RDS_EXTENSIONS = {
    "aurora": ", ".join(sorted(_COMMON_EXTENSIONS + ["aurora_stat_utils", "rds_tools"])),
    "multi-az": ", ".join(sorted(_COMMON_EXTENSIONS + ["rds_tools"])),
}


def _password_env():
    env = dict(os.environ)
    env["PGPASSWORD"] = LAB_PASSWORD
    env["PGAPPNAME"] = "awlab"
    env.pop("PGSERVICE", None)
    return env


def conninfo(ip, dbname=LAB_DATABASE, user=LAB_USER, connect_timeout=2):
    return "host=%s port=%d user=%s dbname=%s connect_timeout=%d" % (ip, PORT, user, dbname,
                                                                     connect_timeout)


def psql(ip, sql=None, script=None, dbname=LAB_DATABASE, user=LAB_USER, connect_timeout=2,
         timeout=30, check=True):
    """Runs SQL over TCP (nodes have no unix socket). Rows come back tab-separated."""
    argv = ["psql", "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1",
            "-d", conninfo(ip, dbname, user, connect_timeout)]
    if sql is not None:
        argv += ["-c", sql]
    return common.run(argv, check=check, timeout=timeout, env=_password_env(), input_text=script)


# ---------------------------------------------------------------- configuration


def _write_owned(path, text, mode=0o600):
    with open(path, "w") as handle:
        handle.write(text)
    os.chmod(path, mode)
    os.chown(path, *_postgres_ids())


def _postgres_ids():
    import pwd
    entry = pwd.getpwnam(OS_USER)
    return entry.pw_uid, entry.pw_gid


def primary_conninfo_line(state, k, writer):
    info = "host=%s port=%d user=%s password=%s application_name=%s connect_timeout=2" % (
        common.node_ip(state["base"], writer), PORT, LAB_USER, LAB_PASSWORD, common.node_name(k))
    return "primary_conninfo = '%s'\n" % info


def write_config(state, k, follow=None, bootstrap=False):
    """Writes the node's configuration; follow=K makes it a standby of node K.
    bootstrap=True (while the cluster is built): no synchronous replication, and
    fsync off, since the checkpoints of CREATE DATABASE and pg_basebackup would
    otherwise sync hundreds of files. Reverted before up returns."""
    name = state["name"]
    ip = common.node_ip(state["base"], k)
    extensions = RDS_EXTENSIONS.get(state["flavour"])
    sync_names = ""
    if state.get("sync") and state["nodes"] > 1 and not bootstrap:
        sync_names = "ANY 1 (%s)" % ", ".join(
            '"%s"' % common.node_name(i) for i in range(1, state["nodes"] + 1))
    conf = [
        "# written by awlab for cluster %s; rewritten on role changes" % name,
        "listen_addresses = '%s'" % ip,
        "port = %d" % PORT,
        "unix_socket_directories = ''",
        "cluster_name = '%s'" % common.node_name(k),
        "max_connections = 200",
        "shared_buffers = 16MB",
        "dynamic_shared_memory_type = posix",
        "wal_level = replica",
        "max_wal_senders = 16",
        "max_replication_slots = 16",
        "wal_keep_size = 256MB",
        "hot_standby = on",
        "hot_standby_feedback = on",
        "wal_log_hints = on",
        "fsync = %s" % ("off" if bootstrap else "on"),
        # Start-up after a crash syncs the whole data dir; one syncfs() is far
        # quicker than an fsync() per file.
        "recovery_init_sync_method = syncfs",
        "synchronous_commit = on",
        # Commit times for the failover probe and the benchmark (pg_xact_commit_timestamp).
        "track_commit_timestamp = on",
        "synchronous_standby_names = '%s'" % sync_names.replace("'", "''"),
        # Fast reaction to a lost or new primary.
        "wal_receiver_timeout = 5s",
        "wal_sender_timeout = 5s",
        "wal_retrieve_retry_interval = 500ms",
        "checkpoint_timeout = 5min",
        "password_encryption = 'scram-sha-256'",
        "log_destination = 'stderr'",
        "logging_collector = off",
        "log_line_prefix = '%m [%p] '",
        "lc_messages = 'C'",
        "timezone = 'UTC'",
        "datestyle = 'iso, mdy'",
        "default_text_search_config = 'pg_catalog.english'",
    ]
    if extensions:
        # A real setting (in pg_settings and SHOW), defined by the lab's module.
        conf.append("shared_preload_libraries = '%s'" % modules.pg_library())
        conf.append("rds.extensions = '%s'" % extensions)
    for setting in state.get("settings", []):
        key, value = setting.split("=", 1)
        conf.append("%s = '%s'" % (key.strip(), value.strip().strip("'").replace("'", "''")))
    conf.append("include_if_exists = 'awlab_primary.conf'")
    data = data_dir(state, k)
    _write_owned(os.path.join(data, "postgresql.conf"), "\n".join(conf) + "\n")
    hba = ("# written by awlab\n" + "".join(line + "\n" for line in state.get("hba_lines", [])) +
           "host all all 127.0.0.0/8 scram-sha-256\n"
           "host replication all 127.0.0.0/8 scram-sha-256\n")
    _write_owned(os.path.join(data, "pg_hba.conf"), hba)
    # pg_basebackup/pg_rewind may leave an auto.conf with another node's settings.
    _write_owned(os.path.join(data, "postgresql.auto.conf"), "# awlab: intentionally empty\n")
    _write_owned(os.path.join(data, "awlab_primary.conf"),
                 primary_conninfo_line(state, k, follow) if follow else "")
    signal_file = os.path.join(data, "standby.signal")
    if follow:
        _write_owned(signal_file, "")
    elif os.path.exists(signal_file):
        os.unlink(signal_file)


# ---------------------------------------------------------------- emulation SQL


def _emulation_sql(state):
    name = state["name"]
    rows = []
    for k in range(1, state["nodes"] + 1):
        rows.append("('%s', '%s', '%s', %d, %s)" % (
            common.node_name(k), dbi_resource_id(name, k), common.instance_host(name, k), PORT,
            "true" if k == state["writer"] else "false"))
    sql = """
CREATE SCHEMA awlab;
GRANT USAGE ON SCHEMA awlab TO PUBLIC;
CREATE TABLE awlab.write_probe(id bigserial PRIMARY KEY, node text,
                               at timestamptz DEFAULT clock_timestamp());
-- The topology as the lab last published it; replicated, so readers see it
-- (and see it stale during a failover, as on Aurora).
CREATE TABLE awlab.topology(server_id text PRIMARY KEY, dbi_resource_id text NOT NULL,
    endpoint text NOT NULL, port integer NOT NULL, is_writer boolean NOT NULL,
    cpu real NOT NULL DEFAULT 2.5, replica_lag_in_msec real NOT NULL DEFAULT 10,
    last_update_timestamp timestamptz);
GRANT SELECT ON awlab.topology TO PUBLIC;
INSERT INTO awlab.topology(server_id, dbi_resource_id, endpoint, port, is_writer) VALUES %s;
""" % ", ".join(rows)
    if state["flavour"] == "aurora":
        sql += """
CREATE FUNCTION pg_catalog.aurora_db_instance_identifier() RETURNS text
    LANGUAGE sql STABLE AS $$ SELECT pg_catalog.current_setting('cluster_name') $$;
CREATE FUNCTION pg_catalog.aurora_version() RETURNS text
    LANGUAGE sql IMMUTABLE AS $$ SELECT '15.4.3'::text $$;
CREATE FUNCTION pg_catalog.aurora_replica_status()
    RETURNS TABLE(server_id text, session_id text, durable_lsn bigint, highest_lsn_rcvd bigint,
                  current_read_lsn bigint, cur_replay_latency_in_usec bigint,
                  active_txns integer, is_current boolean, last_transport_error integer,
                  last_error_timestamp timestamptz, last_update_timestamp timestamptz,
                  feedback_xmin bigint, feedback_epoch integer, replica_lag_in_msec real,
                  log_stream_speed_in_kib_per_second real, log_buffer_sequence_number bigint,
                  oldest_read_view_trx_id bigint, oldest_read_view_lsn bigint,
                  pending_read_ios integer, read_ios bigint, iops integer, cpu real)
    LANGUAGE sql STABLE AS $$
    SELECT t.server_id,
           CASE WHEN t.is_writer THEN 'MASTER_SESSION_ID'
                ELSE pg_catalog.md5(t.server_id || ':session')::uuid::text END,
           NULL::bigint, NULL::bigint, NULL::bigint, 0::bigint, 0, true, 0,
           NULL::timestamptz, COALESCE(t.last_update_timestamp, pg_catalog.now()),
           NULL::bigint, NULL::integer,
           CASE WHEN t.is_writer THEN 0::real ELSE t.replica_lag_in_msec END,
           0::real, NULL::bigint, NULL::bigint, NULL::bigint, 0, 0::bigint, 0, t.cpu
      FROM awlab.topology t ORDER BY t.server_id $$;
"""
    if state["flavour"] == "multi-az":
        sql += """
CREATE SCHEMA rds_tools;
GRANT USAGE ON SCHEMA rds_tools TO PUBLIC;
CREATE FUNCTION rds_tools.show_topology(client_name text DEFAULT NULL)
    RETURNS TABLE(id text, endpoint text, port integer)
    LANGUAGE sql STABLE AS $$
    SELECT t.dbi_resource_id, t.endpoint, t.port FROM awlab.topology t ORDER BY t.server_id $$;
CREATE FUNCTION rds_tools.dbi_resource_id() RETURNS text
    LANGUAGE sql STABLE AS $$
    SELECT t.dbi_resource_id FROM awlab.topology t
     WHERE t.server_id = pg_catalog.current_setting('cluster_name') $$;
-- The writer's id, on the writer too (its own id): the AWS wrappers detect the flavour by a
-- non-NULL value here and filter their writer query with "!= dbi_resource_id()".
CREATE FUNCTION rds_tools.multi_az_db_cluster_source_dbi_resource_id() RETURNS text
    LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN pg_catalog.pg_is_in_recovery() THEN
        (SELECT t.dbi_resource_id FROM awlab.topology t WHERE t.is_writer
          ORDER BY t.server_id LIMIT 1)
      ELSE rds_tools.dbi_resource_id() END $$;
"""
    return sql


# Databases that carry the emulation: awrap is created from template1 later.
EMULATION_DATABASES = ["template1", "postgres", LAB_DATABASE]


# ---------------------------------------------------------------- node lifecycle


def main_pid(state, k):
    try:
        with open(os.path.join(data_dir(state, k), "postmaster.pid")) as handle:
            pid = int(handle.readline().strip())
    except (FileNotFoundError, ValueError, PermissionError):
        return None
    return pid if common.pid_alive(pid) else None


def start(state, k, writer=None):
    pid = main_pid(state, k)
    if pid:
        return pid
    _clear_stale_pid_file(state, k)
    common.run(_as_postgres([BIN + "/pg_ctl", "-D", data_dir(state, k), "-l", log_file(state, k),
                             "-w", "-t", "60", "start"]), timeout=90)
    return main_pid(state, k)


def _clear_stale_pid_file(state, k):
    # Left by kill -9; the pid may still exist briefly as a zombie, which
    # would make postgres refuse to start.
    stale = os.path.join(data_dir(state, k), "postmaster.pid")
    if not main_pid(state, k) and os.path.exists(stale):
        os.unlink(stale)


def stop_clean(state, k):
    if main_pid(state, k):
        common.run(_as_postgres([BIN + "/pg_ctl", "-D", data_dir(state, k), "-m", "fast", "-w",
                                 "-t", "60", "stop"]), timeout=90)


def reload(state, k):
    if main_pid(state, k):
        common.run(_as_postgres([BIN + "/pg_ctl", "-D", data_dir(state, k), "reload"]),
                   check=False, timeout=10)


def _prepare_node_dir(state, k):
    directory = node_dir(state, k)
    common.remove_tree(directory)
    os.makedirs(directory, mode=0o755)
    os.chown(directory, *_postgres_ids())


def _basebackup(state, k, source):
    _prepare_node_dir(state, k)
    common.run(_as_postgres([BIN + "/pg_basebackup", "-d",
                             conninfo(common.node_ip(state["base"], source), "postgres"),
                             "-D", data_dir(state, k), "-X", "fetch", "-c", "fast",
                             "--no-sync"]), env=_password_env(), timeout=120)
    write_config(state, k, follow=source)


def create(state):
    """Creates node 1 as primary with the emulation, standbys by pg_basebackup."""
    name, writer = state["name"], state["writer"]
    _prepare_node_dir(state, writer)
    password_file = os.path.join(node_dir(state, writer), "initdb.pw")
    _write_owned(password_file, LAB_PASSWORD + "\n")
    try:
        common.run(_as_postgres([BIN + "/initdb", "-N", "-D", data_dir(state, writer),
                                 "-U", "postgres", "--pwfile=" + password_file,
                                 "-A", "scram-sha-256", "-E", "UTF8", "--locale=C"]))
    finally:
        os.unlink(password_file)
    write_config(state, writer, bootstrap=True)
    start(state, writer)
    common.event(name, "node_up", writer, role="writer")
    ip = common.node_ip(state["base"], writer)
    emulation = _emulation_sql(state)
    script = "CREATE ROLE %s LOGIN SUPERUSER PASSWORD '%s';\n" % (LAB_USER, LAB_PASSWORD)
    script += "\\c template1\n" + emulation + "\\c postgres\n" + emulation
    script += "CREATE DATABASE %s OWNER %s TEMPLATE template1;\n" % (LAB_DATABASE, LAB_USER)
    psql(ip, script=script, dbname="postgres", user="postgres")

    standbys = [k for k in range(1, state["nodes"] + 1) if k != writer]

    def make_standby(k):
        _basebackup(state, k, writer)
        common.event(name, "base_backup_done", k)
        start(state, k)
        common.event(name, "node_up", k, role="reader")

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, len(standbys))) as pool:
        for future in [pool.submit(make_standby, k) for k in standbys]:
            future.result()
    wait_streaming(state, writer, standbys, timeout=30)
    write_config(state, writer)
    reload(state, writer)
    # The reload is asynchronous: wait until the writer runs with the final settings.
    deadline = time.monotonic() + 10
    while psql(common.node_ip(state["base"], writer), "SHOW fsync", dbname="postgres",
               check=False, timeout=5).stdout.strip() != "on":
        if time.monotonic() > deadline:
            raise LabError("writer did not reload its final configuration")
        time.sleep(0.02)
    psql(common.node_ip(state["base"], writer), "CHECKPOINT", dbname="postgres", timeout=60)


def wait_streaming(state, writer, standbys, timeout):
    """Waits until every listed standby streams from the writer."""
    if not standbys:
        return
    wanted = set(common.node_name(k) for k in standbys)
    deadline = time.monotonic() + timeout
    while True:
        done = psql(common.node_ip(state["base"], writer),
                    "SELECT application_name FROM pg_stat_replication WHERE state = 'streaming'",
                    check=False, timeout=5)
        if wanted <= set(done.stdout.split()):
            return
        if time.monotonic() > deadline:
            raise LabError("standbys %s not streaming from %s after %ss" %
                           (sorted(wanted), common.node_name(writer), timeout))
        time.sleep(0.1)


def promote(state, k):
    # pg_ctl's own wait polls at 100 ms steps; polling the server is quicker.
    common.run(_as_postgres([BIN + "/pg_ctl", "-D", data_dir(state, k), "-W", "promote"]),
               timeout=30)
    ip = common.node_ip(state["base"], k)
    deadline = time.monotonic() + 60
    while psql(ip, "SELECT pg_is_in_recovery()", dbname="postgres", check=False,
               timeout=5).stdout.strip() != "f":
        if time.monotonic() > deadline:
            raise LabError("%s did not leave recovery within 60 s" % common.node_name(k))
        time.sleep(0.005)
    _write_owned(os.path.join(data_dir(state, k), "awlab_primary.conf"), "")


def follow(state, k, writer):
    """Points standby k at the writer; works on a stopped or hung node too
    (the file is read on reload or start)."""
    _write_owned(os.path.join(data_dir(state, k), "awlab_primary.conf"),
                 primary_conninfo_line(state, k, writer))
    reload(state, k)


def is_standby_on_disk(state, k):
    return os.path.exists(os.path.join(data_dir(state, k), "standby.signal"))


def rejoin(state, k, writer):
    """Turns node k (typically the old primary) into a standby of the writer:
    pg_rewind, falling back to a fresh pg_basebackup."""
    stop_clean_or_kill(state, k)
    _clear_stale_pid_file(state, k)
    writer_ip = common.node_ip(state["base"], writer)
    # A fresh promotion updates the source's pg_control timeline only at its
    # next checkpoint; without one pg_rewind misjudges the fork point.
    psql(writer_ip, "CHECKPOINT", dbname="postgres", timeout=60)
    source = conninfo(writer_ip, "postgres")
    # pg_rewind's crash recovery of the target runs single-user, which refuses standby mode.
    signal_file = os.path.join(data_dir(state, k), "standby.signal")
    if os.path.exists(signal_file):
        os.unlink(signal_file)
    rewound = common.run(_as_postgres([BIN + "/pg_rewind", "-D", data_dir(state, k),
                                       "--source-server=" + source]),
                         check=False, env=_password_env(), timeout=120)
    method = "pg_rewind"
    if rewound.returncode != 0:
        method = "pg_basebackup"
        common.event(state["name"], "rewind_failed", k, detail=rewound.stderr[-500:])
        _basebackup(state, k, writer)
    write_config(state, k, follow=writer)
    try:
        start(state, k)
    except LabError as error:
        if method != "pg_rewind":
            raise
        common.event(state["name"], "rewind_start_failed", k, detail=str(error)[-300:])
        method = "pg_basebackup"
        _basebackup(state, k, writer)
        start(state, k)
    return method


def recover_reader(state, k, writer):
    """Starts a down non-writer node as a standby of the writer; a node that
    was a primary (no standby.signal) goes through rejoin (pg_rewind)."""
    if is_standby_on_disk(state, k):
        write_config(state, k, follow=writer)
        try:
            start(state, k)
            return "restart"
        except LabError:
            pass
    return rejoin(state, k, writer)


def stop_clean_or_kill(state, k):
    pid = main_pid(state, k)
    if not pid:
        return
    try:
        stop_clean(state, k)
    except LabError:
        common.kill_tree([pid])


def replay_position(state, k):
    """WAL position a standby has replayed (bigger is more up to date), or None."""
    done = psql(common.node_ip(state["base"], k),
                "SELECT pg_last_wal_replay_lsn() - '0/0'::pg_lsn", check=False, timeout=4,
                connect_timeout=2)
    try:
        return int(float(done.stdout.strip())) if done.returncode == 0 else None
    except ValueError:
        return None


def write_probe(state, k):
    done = psql(common.node_ip(state["base"], k),
                "INSERT INTO awlab.write_probe(node) VALUES ('%s')" % common.node_name(k),
                check=False, timeout=10, connect_timeout=1)
    return done.returncode == 0


def publish_topology(state):
    """Writes the new writer into the replicated topology table (on the writer)."""
    writer = common.node_name(state["writer"])
    update = "UPDATE awlab.topology SET is_writer = (server_id = '%s');\n" % writer
    script = "".join("\\c %s\n%s" % (db, update) for db in EMULATION_DATABASES)
    psql(common.node_ip(state["base"], state["writer"]), script=script, dbname="postgres",
         timeout=30)


def sql(state, k, text, timeout):
    return psql(common.node_ip(state["base"], k), text, check=False, timeout=timeout)


def server_pids(state, k):
    return common.process_tree([main_pid(state, k)]) if main_pid(state, k) else []


def log_tail(state, k):
    try:
        with open(log_file(state, k)) as handle:
            return handle.read()[-1500:]
    except FileNotFoundError:
        return ""

/*
 * awlab's Aurora MySQL emulation for MariaDB 10.11, built against Debian's libmariadbd-dev
 * (public plugin API only). Two plugins in one library:
 *
 * - "aurora" (daemon): the system variables @@aurora_server_id (the instance name) and
 *   @@aurora_version, read-only, set in my.cnf by the lab. SHOW VARIABLES LIKE 'aurora_version'
 *   finds it, as clients' Aurora detection expects.
 *
 * - "aurora_sql" (audit, general class): information_schema.replica_host_status and
 *   @@innodb_read_only cannot be created on MariaDB with the packaged headers (an
 *   INFORMATION_SCHEMA plugin needs the server's private sql/ headers, which Debian does not
 *   ship). The audit API sees each text query before the server parses it, so the two names
 *   are rewritten in place, to the same length:
 *     information_schema.replica_host_status -> awlab.replica_host_status (a view the lab
 *       creates over its replicated topology table, with Aurora's columns)
 *     innodb_read_only after "@@" or "@@global." -> read_only (on Aurora a reader has
 *       innodb_read_only = 1; the lab's readers run with read_only = ON, but InnoDB itself
 *       must stay writable for replication to apply)
 *   Only the query text changes; a client sees its own statement answered.
 */
#include <ctype.h>
#include <stddef.h>
#include <string.h>

#include <mysql/plugin.h>
#include <mysql/plugin_audit.h>

static char *server_id_value = NULL;
static char *version_value = NULL;

static MYSQL_SYSVAR_STR(server_id, server_id_value, PLUGIN_VAR_READONLY | PLUGIN_VAR_RQCMDARG,
                        "The instance name, as Aurora's @@aurora_server_id.", NULL, NULL, "");
static MYSQL_SYSVAR_STR(version, version_value, PLUGIN_VAR_READONLY | PLUGIN_VAR_RQCMDARG,
                        "The emulated Aurora MySQL version, as @@aurora_version.", NULL, NULL,
                        "3.05.2");

static struct st_mysql_sys_var *aurora_vars[] = {MYSQL_SYSVAR(server_id), MYSQL_SYSVAR(version),
                                                 NULL};

static struct st_mysql_daemon aurora_daemon = {MYSQL_DAEMON_INTERFACE_VERSION};

/* Case-insensitive search in a buffer that is not NUL-terminated. */
static char *find_ci(char *text, size_t length, const char *needle)
{
  size_t n = strlen(needle);
  for (size_t i = 0; i + n <= length; i++)
  {
    size_t j = 0;
    while (j < n && tolower((unsigned char)text[i + j]) == needle[j])
      j++;
    if (j == n)
      return text + i;
  }
  return NULL;
}

/* Replaces every `from` (case-insensitive) by `to`, padded with spaces to the same length. */
static void replace_all(char *query, size_t length, const char *from, const char *to,
                        int only_after_at_at)
{
  size_t from_length = strlen(from), to_length = strlen(to);
  char *at = query;
  while ((at = find_ci(at, length - (size_t)(at - query), from)) != NULL)
  {
    int is_variable = 0;
    if (only_after_at_at)
    {
      /* "@@innodb_read_only" or "@@global.innodb_read_only" / "@@session." */
      if (at - query >= 2 && at[-1] == '@' && at[-2] == '@')
        is_variable = 1;
      else if (at - query >= 9 && find_ci(at - 9, 9, "@@global.") == at - 9)
        is_variable = 1;
      else if (at - query >= 10 && find_ci(at - 10, 10, "@@session.") == at - 10)
        is_variable = 1;
    }
    if (!only_after_at_at || is_variable)
    {
      memcpy(at, to, to_length);
      memset(at + to_length, ' ', from_length - to_length);
    }
    at += from_length;
  }
}

static void aurora_sql_notify(MYSQL_THD thd, unsigned int event_class, const void *event)
{
  (void)thd;
  if (event_class != MYSQL_AUDIT_GENERAL_CLASS)
    return;
  const struct mysql_event_general *general = (const struct mysql_event_general *)event;
  if (general->event_subclass != MYSQL_AUDIT_GENERAL_LOG || !general->general_query ||
      !general->general_command || strncmp(general->general_command, "Query", 5) != 0)
    return;
  /* The server's own copy of the statement, not yet parsed: writable, freed with the query. */
  char *query = (char *)general->general_query;
  size_t length = general->general_query_length;
  replace_all(query, length, "information_schema.replica_host_status",
              "awlab.replica_host_status", 0);
  replace_all(query, length, "innodb_read_only", "read_only", 1);
}

static struct st_mysql_audit aurora_sql_audit = {
    MYSQL_AUDIT_INTERFACE_VERSION, NULL, aurora_sql_notify, {MYSQL_AUDIT_GENERAL_CLASSMASK}};

maria_declare_plugin(aurora){
    MYSQL_DAEMON_PLUGIN,
    &aurora_daemon,
    "aurora",
    "awrap lab",
    "Aurora MySQL system variables (@@aurora_server_id, @@aurora_version) for the awrap lab",
    PLUGIN_LICENSE_GPL,
    NULL,
    NULL,
    0x0100,
    NULL,
    aurora_vars,
    "1.0",
    MariaDB_PLUGIN_MATURITY_EXPERIMENTAL},
    {MYSQL_AUDIT_PLUGIN,
     &aurora_sql_audit,
     "aurora_sql",
     "awrap lab",
     "Answers Aurora MySQL's replica_host_status and innodb_read_only in the awrap lab",
     PLUGIN_LICENSE_GPL,
     NULL,
     NULL,
     0x0100,
     NULL,
     NULL,
     "1.0",
     MariaDB_PLUGIN_MATURITY_EXPERIMENTAL} maria_declare_plugin_end;

/*
 * awlab_rds: defines the custom settings that Amazon RDS and Aurora PostgreSQL show and that
 * clients read to recognise them, as real settings (listed in pg_settings and SHOW, not just
 * placeholders that only current_setting() sees). Loaded by the lab through
 * shared_preload_libraries; the values come from postgresql.conf, which the lab writes per
 * flavour. The module does nothing else.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

PG_MODULE_MAGIC;

void _PG_init(void);

static char *rds_extensions = NULL;

void
_PG_init(void)
{
	/*
	 * The AWS wrappers detect Aurora with
	 *   SELECT (setting LIKE '%aurora_stat_utils%') FROM pg_settings WHERE name = 'rds.extensions'
	 * and RDS (with rds_tools, without aurora_stat_utils) the same way. Only a defined setting
	 * has a pg_settings row. SIGHUP: the lab may change it with a reload; sessions cannot.
	 */
	DefineCustomStringVariable("rds.extensions",
							   "Extensions this instance offers (as on Amazon RDS).",
							   NULL,
							   &rds_extensions,
							   "",
							   PGC_SIGHUP,
							   GUC_NOT_IN_SAMPLE,
							   NULL, NULL, NULL);
	MarkGUCPrefixReserved("rds");
}

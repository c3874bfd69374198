/*
 * hack.c
 *	  Module entry: the library's magic block, _PG_init and the GUCs under
 *	  "hack.".
 */
#include "hack.h"

#include "utils/guc.h"

#include "blas.h"
#include "catalog.h"

PG_MODULE_MAGIC;

/* Define the GUCs, reserve the prefix, tame OpenBLAS's threads, watch the catalogue. */
void
_PG_init(void)
{
	DefineCustomIntVariable("hack.blas_threads",
							"Threads each backend's encoder network uses.",
							"Each batch is split across this many threads, each running single-threaded OpenBLAS. "
							"Parallel workers each use this many, so keep workers times threads at or below the number of cores.",
							&hack_blas_threads,
							1, 1, 64,
							PGC_USERSET, 0,
							NULL, NULL, NULL);
	MarkGUCPrefixReserved("hack");
	hack_blas_init();
	catalog_register_callbacks();
}

/*
 * hack.c
 *	  Module entry: the library's magic block, _PG_init and the GUCs under
 *	  "hack.".
 */
#include "hack.h"

#include "utils/guc.h"

#include "blas.h"
#include "catalog.h"
#include "core/tensor.h"

PG_MODULE_MAGIC;

int			hack_max_image_pixels = HACK_IMAGE_DEFAULT_MAX_PIXELS;
bool		hack_distributed_training = true;
int			hack_jobs_per_worker = 1;

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
	/*
	 * The pixel limit guards the server's memory against decompression
	 * bombs (a 100 KB PNG can claim 100000 x 100000 pixels), so only a
	 * superuser may move it (per database or role with ALTER ... SET);
	 * the cap keeps one decoded picture within 1 GiB whatever is set.
	 */
	DefineCustomIntVariable("hack.max_image_pixels",
							"Most pixels (width times height) a PNG or JPEG image may have.",
							"Checked from the file's header before anything is decoded; a larger image is refused "
							"with SQLSTATE 54000. The default is Pillow's MAX_IMAGE_PIXELS.",
							&hack_max_image_pixels,
							HACK_IMAGE_DEFAULT_MAX_PIXELS, 1, HACK_IMAGE_MAX_PIXELS_CAP,
							PGC_SUSET, 0,
							NULL, NULL, NULL);
	DefineCustomBoolVariable("hack.distributed_training",
							 "Train the groups of a Citus table distributed by its group column on the workers that hold them.",
							 "When off, the coordinator reads the rows and trains every group itself, as on one server.",
							 &hack_distributed_training,
							 true,
							 PGC_USERSET, 0,
							 NULL, NULL, NULL);
	DefineCustomIntVariable("hack.jobs_per_worker",
							"Groups each Citus worker trains at a time during CALL hack_train.",
							"Each job uses hack.blas_threads threads of the worker (its own setting), so keep "
							"jobs times threads at or below a worker's cores.",
							&hack_jobs_per_worker,
							1, 1, 64,
							PGC_USERSET, 0,
							NULL, NULL, NULL);
	MarkGUCPrefixReserved("hack");
	hack_blas_init();
	catalog_register_callbacks();
}

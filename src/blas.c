/*
 * blas.c
 *	  Threads of the encoder network and OpenBLAS inside PostgreSQL.
 *
 * The engine (src/core/nn_model.c) cuts every batch into parts that
 * hack.blas_threads threads of its own take in turn, each calling
 * single-threaded sgemm; OpenBLAS's own thread pool is kept at one thread.
 * Reasons:
 *
 *	- at lenet's matrix sizes OpenBLAS's threading gains little (at batch
 *	  128 two OpenBLAS threads were slower than one), while splitting the
 *	  batch keeps each core busy with whole layers, im2col and pooling
 *	  included;
 *	- OpenBLAS starts its pool in a library constructor, i.e. in the
 *	  postmaster when hack is in shared_preload_libraries.  Those threads
 *	  would inherit the postmaster's signal mask and could take its
 *	  signals, and a pool does not survive fork (OpenBLAS shuts it down in
 *	  a pthread_atfork handler and restarts it lazily).  So _PG_init sets
 *	  OpenBLAS to one thread and stops its pool, in the postmaster and in
 *	  any backend that loads the library later, and no OpenBLAS thread is
 *	  ever started again;
 *	- the engine's threads start with every signal blocked and only
 *	  compute, so signals (cancel, timeouts) reach the backend's own
 *	  thread, which checks for interrupts between batches.
 *
 * Parallel workers each run their own copy of the network with
 * hack.blas_threads threads (the GUC is passed on to them), so keep
 * workers x hack.blas_threads at or below the number of cores.
 */
#include "hack.h"

#include <signal.h>

#include "blas.h"

/* OpenBLAS's API (cblas.h declares the first two; the last is internal) */
extern void openblas_set_num_threads(int num_threads);
extern int	openblas_get_num_threads(void);
extern int	blas_thread_shutdown_(void);

int			hack_blas_threads = 1;

/* Put OpenBLAS at one thread with no pool, with signals blocked meanwhile. */
static void
blas_single_thread(void)
{
	sigset_t	all,
				old;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	openblas_set_num_threads(1);
	blas_thread_shutdown_();
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* Called from _PG_init in every process that loads the library. */
void
hack_blas_init(void)
{
	blas_single_thread();
}

/*
 * Call before running the network: makes sure OpenBLAS is still at one
 * thread (another library in the backend may have changed it) and returns
 * the engine thread count to use.
 */
int
hack_blas_prepare(void)
{
	if (openblas_get_num_threads() != 1)
		blas_single_thread();
	return hack_blas_threads;
}

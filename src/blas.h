/*
 * blas.h
 *	  The encoder's threads and OpenBLAS inside PostgreSQL backends.
 */
#ifndef HACK_BLAS_H
#define HACK_BLAS_H

extern int	hack_blas_threads;

extern void hack_blas_init(void);
extern int	hack_blas_prepare(void);

#endif							/* HACK_BLAS_H */

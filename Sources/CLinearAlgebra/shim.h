#ifndef COOPSIM_CLINEARALGEBRA_SHIM_H
#define COOPSIM_CLINEARALGEBRA_SHIM_H
/* One thin shim over Debian's OpenBLAS (CBLAS) and reference LAPACKE headers. */
#include <cblas.h>
#include <lapacke.h>
/* OpenBLAS extensions: thread control. */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
#endif

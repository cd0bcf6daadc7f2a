// OpenBLAS's CBLAS interface and LAPACKE, as Debian's libopenblas-dev and liblapacke-dev install them.
#include <cblas.h>
#include <lapacke.h>

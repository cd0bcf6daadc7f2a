// The umbrella header of the C kernels target.
#include "imprint_kernels.h"
#include "imprint_quantized.h"
#include "imprint_int8.h"
#include "imprint_pool.h"
#include "imprint_bfloat16.h"
#include "imprint_lowrank.h"
#include "imprint_gemm.h"

// A persistent pool of worker threads for short parallel loops (decoding runs thousands of
// 20-500 µs products and element-wise passes per second; waking a dispatch worker costs 20-50 µs
// on a virtual machine, so those loops ran on one core). Workers spin briefly on a generation
// counter after each job, then sleep on a condition variable.
#ifndef IMPRINT_POOL_H
#define IMPRINT_POOL_H

#ifdef __cplusplus
extern "C" {
#endif

typedef void (*imprint_pool_task)(void *context, long index);

/// Runs task(context, i) for every i in [0, count) on the calling thread and the pool's workers
/// (`threads` in all with the caller; the pool starts workers on the first call and more when a later call
/// asks for more; 1 runs everything inline), returning when all are done. A call from inside a task, or while another thread's job runs, runs its loop inline.
void imprint_pool_run(long count, long threads, imprint_pool_task task, void *context);

/// The thread count chosen for Imprint's kernels (`Parallelism.threadCount`), 0 while none was chosen.
long imprint_thread_count(void);

/// Chooses the thread count (0: none chosen, the default applies).
void imprint_set_thread_count(long threads);

#ifdef __cplusplus
}
#endif

#endif

// See imprint_pool.h.
//
// One job at a time. The caller publishes a job with a seqlock-like generation counter: odd while
// the job's fields are written, even once they are valid. A worker that sees a new even
// generation registers in `active`, then re-reads the generation; if it changed, the fields may be
// changing under it and it backs off. The caller makes the generation odd before it waits for
// `active` to drain, so a worker either backs off or is counted before the fields change.
#include "imprint_pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#else
#define CPU_RELAX() ((void)0)
#endif

/// How long an idle worker spins before it sleeps.
#define SPIN_NANOSECONDS 200000L

static struct {
    pthread_once_t once;
    long threads;
    pthread_mutex_t caller;  // one job at a time
    pthread_mutex_t sleep_lock;
    pthread_cond_t wake;
    _Atomic long generation;
    _Atomic long sleepers;
    _Atomic long active;
    _Atomic long next;
    _Atomic long done;
    long count;
    imprint_pool_task task;
    void *context;
} pool = {.once = PTHREAD_ONCE_INIT, .caller = PTHREAD_MUTEX_INITIALIZER,
          .sleep_lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

static _Thread_local int inside_task;

static long nanoseconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec * 1000000000L + now.tv_nsec;
}

/// Takes indices of the current job until none are left.
static void work_on_job(void) {
    long count = pool.count;
    imprint_pool_task task = pool.task;
    void *context = pool.context;
    long index;
    while ((index = atomic_fetch_add(&pool.next, 1)) < count) {
        task(context, index);
        atomic_fetch_add(&pool.done, 1);
    }
}

static void *worker_main(void *unused) {
    (void)unused;
    inside_task = 1;
    long seen = atomic_load(&pool.generation);
    for (;;) {
        // Wait for a new published (even) generation: spin, then sleep.
        long current = atomic_load(&pool.generation);
        long spin_start = 0;
        for (long spins = 0; current == seen || (current & 1); spins++) {
            CPU_RELAX();
            if ((spins & 63) == 63) {
                long now = nanoseconds();
                if (spin_start == 0) spin_start = now;
                if (now - spin_start > SPIN_NANOSECONDS) {
                    pthread_mutex_lock(&pool.sleep_lock);
                    atomic_fetch_add(&pool.sleepers, 1);
                    while ((current = atomic_load(&pool.generation)) == seen || (current & 1))
                        pthread_cond_wait(&pool.wake, &pool.sleep_lock);
                    atomic_fetch_sub(&pool.sleepers, 1);
                    pthread_mutex_unlock(&pool.sleep_lock);
                    break;
                }
            }
            current = atomic_load(&pool.generation);
        }
        seen = current;
        atomic_fetch_add(&pool.active, 1);
        if (atomic_load(&pool.generation) == seen) work_on_job();
        atomic_fetch_sub(&pool.active, 1);
    }
    return NULL;
}

/// Starts workers first..<pool.threads (worker 0 is the caller); on failure keeps those that started.
static void start_workers_from(long first) {
    for (long i = first; i < pool.threads; i++) {
        pthread_t thread;
        pthread_attr_t attributes;
        pthread_attr_init(&attributes);
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&attributes, 8L << 20);  // Swift task bodies may recurse deeply
        int failed = pthread_create(&thread, &attributes, worker_main, NULL) != 0;
        pthread_attr_destroy(&attributes);
        if (failed) {
            pool.threads = i;  // fewer workers
            break;
        }
    }
}

static long requested_threads;
static void initialize(void) {
    pool.threads = requested_threads;
    start_workers_from(1);
}

void imprint_pool_run(long count, long threads, imprint_pool_task task, void *context) {
    if (count <= 0) return;
    if (count == 1 || threads <= 1 || inside_task || pthread_mutex_trylock(&pool.caller) != 0) {
        for (long i = 0; i < count; i++) task(context, i);
        return;
    }
    requested_threads = threads;
    pthread_once(&pool.once, initialize);
    if (threads > pool.threads) {  // the thread count was raised (imprint_set_thread_count): more workers
        long first = pool.threads;
        pool.threads = threads;
        start_workers_from(first);
    }
    if (pool.threads <= 1) {
        pthread_mutex_unlock(&pool.caller);
        for (long i = 0; i < count; i++) task(context, i);
        return;
    }
    atomic_fetch_add(&pool.generation, 1);  // odd: fields about to change
    while (atomic_load(&pool.active) != 0) CPU_RELAX();  // workers still inside the last job
    pool.count = count;
    pool.task = task;
    pool.context = context;
    atomic_store(&pool.next, 0);
    atomic_store(&pool.done, 0);
    atomic_fetch_add(&pool.generation, 1);  // even: published
    if (atomic_load(&pool.sleepers) > 0) {
        pthread_mutex_lock(&pool.sleep_lock);
        pthread_cond_broadcast(&pool.wake);
        pthread_mutex_unlock(&pool.sleep_lock);
    }
    inside_task = 1;
    work_on_job();
    inside_task = 0;
    while (atomic_load(&pool.done) != count) CPU_RELAX();
    pthread_mutex_unlock(&pool.caller);
}

static _Atomic long chosen_thread_count;  // 0: not set

long imprint_thread_count(void) { return atomic_load(&chosen_thread_count); }

void imprint_set_thread_count(long threads) { atomic_store(&chosen_thread_count, threads > 0 ? threads : 0); }

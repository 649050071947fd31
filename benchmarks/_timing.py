"""The timers every benchmark uses: a median over repeated loops, and a paired median that
times numtorch and PyTorch alternately so that other load on the machine slows both alike."""

import time

import numpy as np

__all__ = ["median_time", "paired_median_times"]


def median_time(fn, repeat, min_time=0.2):
    """Median seconds per call: warm up, pick an inner loop count that runs >= min_time / repeat,
    then take the median over ``repeat`` timed loops."""
    for _ in range(3):
        fn()
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        dt = time.perf_counter() - t0
        if dt >= min_time / repeat or n >= 1 << 20:
            break
        n *= 2
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        times.append((time.perf_counter() - t0) / n)
    return float(np.median(times))


def paired_median_times(fn_a, fn_b, repeat):
    """Median seconds per call of two functions, timed alternately (a, b, a, b, ...) after two
    warm-up calls each, so that a change in machine load affects both alike."""
    for _ in range(2):
        fn_a()
        fn_b()
    times_a, times_b = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn_a()
        t1 = time.perf_counter()
        fn_b()
        t2 = time.perf_counter()
        times_a.append(t1 - t0)
        times_b.append(t2 - t1)
    return float(np.median(times_a)), float(np.median(times_b))

"""The timers every benchmark uses: a median over repeated loops, and a paired median that
times numtorch and PyTorch alternately so that other load on the machine slows both alike."""

import time

import numpy as np

__all__ = ["median_time", "paired_loop_times", "paired_median_times"]


def _loop_count(fn, target):
    """Warm up, then the inner loop count whose loop runs for at least ``target`` seconds."""
    for _ in range(3):
        fn()
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        if time.perf_counter() - t0 >= target or n >= 1 << 20:
            return n
        n *= 2


def _loop(fn, n):
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t0) / n


def median_time(fn, repeat, min_time=0.2):
    """Median seconds per call: warm up, pick an inner loop count that runs >= min_time / repeat,
    then take the median over ``repeat`` timed loops."""
    n = _loop_count(fn, min_time / repeat)
    return float(np.median([_loop(fn, n) for _ in range(repeat)]))


def paired_loop_times(fn_a, fn_b, repeat, min_time=0.2):
    """``median_time`` of two functions whose timed loops alternate (a, b, a, b, ...), so that
    a change in machine load affects both alike (for calls too short to time one by one)."""
    na, nb = _loop_count(fn_a, min_time / repeat), _loop_count(fn_b, min_time / repeat)
    times_a, times_b = [], []
    for _ in range(repeat):
        times_a.append(_loop(fn_a, na))
        times_b.append(_loop(fn_b, nb))
    return float(np.median(times_a)), float(np.median(times_b))


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

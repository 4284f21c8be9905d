"""Independent Spark work of one task, side by side: on small data each query is mostly driver-side
latency (planning, Delta log I/O, metastore round trips), which overlaps well even on 2 cores."""
import os
from concurrent.futures import ThreadPoolExecutor

PARALLELISM = int(os.environ.get("LAKEBUNDLE_PARALLELISM", "4"))


def each(fn, items):
    """fn(item) for every item; the first error is raised once all have ended."""
    if len(items) <= 1 or PARALLELISM <= 1:
        for item in items:
            fn(item)
        return
    with ThreadPoolExecutor(max_workers=PARALLELISM) as pool:
        for future in [pool.submit(fn, item) for item in items]:
            future.result()


def per_item(fn, items):
    """{item: fn(item)} for distinct items."""
    items = list(dict.fromkeys(items))
    if len(items) <= 1 or PARALLELISM <= 1:
        return {item: fn(item) for item in items}
    with ThreadPoolExecutor(max_workers=PARALLELISM) as pool:
        return dict(zip(items, pool.map(fn, items)))

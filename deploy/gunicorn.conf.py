"""gunicorn settings: `gunicorn -c deploy/gunicorn.conf.py 'app:create_app()'`.

Threads let a worker overlap database waits; processes use the cores. Each worker holds
its own compiled-process cache. Scripts in diagrams run in script worker processes that
the OS bounds (engine/script_pool.py: killed at SCRIPT_TIME_LIMIT, RLIMIT_AS of
SCRIPT_MEMORY_MB), up to one per thread; the request timeout below is for everything else.
"""

import gc
import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_WORKERS", multiprocessing.cpu_count() * 2))
threads = int(os.environ.get("WEB_THREADS", 4))
timeout = 60  # nginx waits 90 s, so a stuck request gets gunicorn's answer, not nginx's
graceful_timeout = 30
keepalive = 5  # nginx keeps upstream connections open (nginx-perfbudget.conf)
max_requests = 5000  # recycle workers now and then; bounds any slow growth in memory
max_requests_jitter = 500
accesslog = "-"  # to journald under systemd
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'  # %(M)s: request time in ms


def post_worker_init(worker):
    """The app is loaded: ready it (mappers configured, the deployed processes and forms
    compiled, each request's statements compiled once: services/operations/warmup.py), so that the
    first request after a worker starts costs what a warm one does. Then its long-lived
    objects (modules, mappers, the engine's specs) are frozen, so the collector need not
    walk them again on every full collection: without this, one call in 15-30 paid a
    pause of about 90 ms (benchmarks/scale.py, which freezes the same way)."""
    if hasattr(worker.wsgi, "app_context"):  # the product (the bench's floor is bare WSGI)
        from app.services.operations.warmup import warm_worker

        warm_worker(worker.wsgi)
    gc.collect()
    gc.freeze()

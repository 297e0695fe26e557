"""What holds a server's event loop up: put this directory on PYTHONPATH and name a file.

    PYTHONPATH=bench/loop_trace LOOP_TRACE=/tmp/trace.txt .venv/bin/python bench/fanout.py --scenario S2B
    .venv/bin/python bench/loop_trace/report.py /tmp/trace.txt

Python imports ``sitecustomize`` at start; this one does something only in a process started
as app.py or bench/bare_server.py with LOOP_TRACE set (the benchmark's servers inherit its
environment). It appends a line per event to the file:

- ``gc G T MS N``: a garbage collection of generation G began at T (time.perf_counter), took
  MS ms and found N objects in reference cycles (passes under 1 ms are left out);
- ``lag T MS``: a green thread that sleeps 1 ms woke MS ms late (over 4 ms): the loop served
  nobody else meanwhile;
- ``send TABLE T N``: the phones' feed took a table's queue, N messages, to send;
- ``commit T MS``: a transaction's COMMIT (with its disk sync) took MS ms (1 ms or more);
- ``perform T MS``: a command from a Socket.IO event, commit and emits included, took MS ms
  (2 ms or more);
- ``work NAME T MS``: one round of a recurring task (``realtime.every``: handing free memory
  back, writing presence, the purge) took MS ms (1 ms or more). The last four in the app only.

It adds its own small load (a wake-up every millisecond), so compare figures with it on to
figures with it on. Found with it (issue 13): Socket.IO events' cyclic garbage, and the
phones' batches of 20 tables all sent in the same 0.3 s of every second.
"""
import os
import sys
import time

OUT = os.environ.get("LOOP_TRACE")
if OUT and sys.argv and sys.argv[0].endswith(("app.py", "bare_server.py")):
    import gc
    import importlib.abc
    import importlib.machinery

    trace = open(OUT, "a", buffering=1)
    started: dict[str, float] = {}

    def on_collection(phase, info):
        if phase == "start":
            started["t"] = time.perf_counter()
            return
        ms = (time.perf_counter() - started["t"]) * 1000
        if ms >= 1:
            trace.write(f"gc {info['generation']} {started['t']:.4f} {ms:.1f} {info['collected']}\n")

    gc.callbacks.append(on_collection)

    def watch_the_loop():
        import eventlet

        def watch():
            while True:
                t = time.perf_counter()
                eventlet.sleep(0.001)
                lag = (time.perf_counter() - t - 0.001) * 1000
                if lag > 4:
                    trace.write(f"lag {t:.4f} {lag:.1f}\n")

        eventlet.spawn(watch)

    def time_the_feed(feed):
        take = feed.PhoneFeed._take

        def noted_take(self, room, now):
            messages = take(self, room, now)
            if messages:
                trace.write(f"send {room.rsplit(':', 1)[-1]} {time.perf_counter():.4f} {len(messages)}\n")
            return messages

        feed.PhoneFeed._take = noted_take

    def time_the_commits(store):
        from contextlib import contextmanager

        transaction = store.Store.transaction

        @contextmanager
        def timed_transaction(self):
            with transaction(self) as inside:
                yield inside
                t = time.perf_counter()  # the work is done; leaving commits it
            ms = (time.perf_counter() - t) * 1000
            if ms >= 1:
                trace.write(f"commit {t:.4f} {ms:.2f}\n")

        store.Store.transaction = timed_transaction

    def time_the_commands(realtime):
        perform = realtime.perform

        def timed_perform(*args, **kwargs):
            t = time.perf_counter()
            try:
                return perform(*args, **kwargs)
            finally:
                ms = (time.perf_counter() - t) * 1000
                if ms >= 2:
                    trace.write(f"perform {t:.4f} {ms:.2f}\n")

        realtime.perform = timed_perform
        every = realtime.every

        def timed_every(app, seconds, work, failed):
            name = getattr(work, "__name__", "work").strip("<>")

            def timed_work():
                t = time.perf_counter()
                try:
                    return work()
                finally:
                    ms = (time.perf_counter() - t) * 1000
                    if ms >= 1:
                        trace.write(f"work {name} {t:.4f} {ms:.2f}\n")

            return every(app, seconds, timed_work, failed)

        realtime.every = timed_every

    # After these modules load: flask_socketio comes after eventlet's monkey patching in both
    # servers, so the watcher is a green thread of the server's hub.
    AFTER = {"flask_socketio": lambda module: watch_the_loop(), "facilitation.feed": time_the_feed,
             "facilitation.store": time_the_commits, "facilitation.realtime": time_the_commands}

    class Hook(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name not in AFTER:
                return None
            spec = importlib.machinery.PathFinder.find_spec(name, path)
            load = spec.loader.exec_module

            def exec_module(module):
                load(module)
                AFTER[name](module)

            spec.loader.exec_module = exec_module
            return spec

    sys.meta_path.insert(0, Hook())

"""Child processes that must not outlive their parent: extraction and tagging workers, and the
steps a scheduler runs."""

import atexit
import os
import signal
import sys
import threading
import time


def watch_parent(parent: int) -> None:
    """In a worker: exit when the parent is gone (killed with SIGKILL, workers would linger)."""

    def watch() -> None:
        while True:
            if os.getppid() != parent:
                os._exit(0)
            time.sleep(1.0)

    threading.Thread(target=watch, name="mediamon-parent-watch", daemon=True).start()


def skip_teardown() -> None:
    """In a worker: once it has finished, end the process at once (os._exit, as a forked child
    does) rather than tear down a loaded spaCy model object by object: a quarter of a second per
    worker, which the parent waits for, to free memory the system takes back anyway."""

    def leave() -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)

    # registered last, so run first: the atexit handlers before it are the libraries' (logging
    # flushes handlers a worker does not have; multiprocessing's own ran before exit began)
    atexit.register(leave)


def stop_with_parent() -> None:
    """In a child of the scheduler: stop gracefully (one SIGTERM) if the scheduler dies.

    A scheduler killed outright must not leave its crawl running unsupervised; the crawl
    finishes its batch and records the run as interrupted.
    """
    parent = os.environ.get("MEDIAMON_PARENT_PID")
    if not parent or not parent.isdigit():
        return

    def watch() -> None:
        while os.getppid() == int(parent):
            time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="mediamon-parent-watch", daemon=True).start()

"""Child processes that must not outlive their parent: extraction and tagging workers, and the
steps a scheduler runs."""

import os
import signal
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

"""Ctrl-C that always ends the ``deckbuilder`` command, even when it lands inside a finaliser."""

from __future__ import annotations

import _thread
import signal
import sys
import threading
import time
from typing import Any


def keep_interrupts() -> None:
    """Make a Ctrl-C that lands inside a finaliser interrupt the command as anywhere else.

    Python cannot raise out of ``__del__``: it prints "Exception ignored in ..." with a traceback
    and goes on, so a build could print a traceback and then finish as if never interrupted."""
    previous = sys.unraisablehook

    def hook(unraisable: Any) -> None:
        if isinstance(unraisable.exc_value, KeyboardInterrupt):
            # Sent again from another thread, a moment later: raised here, in the hook, it would
            # be ignored once more. A real signal also wakes the main thread from a blocking call.
            threading.Thread(target=_interrupt_main_soon, daemon=True).start()
            return
        previous(unraisable)

    sys.unraisablehook = hook


def _interrupt_main_soon() -> None:
    time.sleep(RESEND_DELAY)
    main_thread = threading.main_thread().ident
    if hasattr(signal, "pthread_kill") and main_thread is not None:
        signal.pthread_kill(main_thread, signal.SIGINT)
    else:  # no POSIX threads' signals (Windows): only flags the interrupt, which wakes no sleep
        _thread.interrupt_main()


RESEND_DELAY = 0.02
"""Long enough for the main thread to have left the hook."""

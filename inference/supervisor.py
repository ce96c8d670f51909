"""Several uvicorn workers whose parent stops listening as soon as it is told to stop.

uvicorn's parent process binds the socket, hands it to the workers, and keeps its own copy
open until it exits. On SIGTERM each worker closes its copy and drains, but the parent's
copy keeps the port listening: the kernel completes new connections into a backlog that
nobody accepts any more, and resets them when the parent exits, up to ``--graceful-timeout``
later (issue 14 saw ``ConnectionResetError`` 0.4-0.6 s after SIGTERM). Closing the parent's
copy before the workers are told to stop makes the port refuse new connections once the
workers have closed theirs: a refusal (ECONNREFUSED) is immediate and safe to retry
elsewhere, since no byte of the request was sent.
"""

from typing import Any

from uvicorn import Config
from uvicorn.supervisors.multiprocess import Multiprocess


class ListenerClosingMultiprocess(Multiprocess):
    """uvicorn's supervisor, except that shutting down first closes the parent's listening socket."""

    def terminate_all(self) -> None:
        for sock in self.sockets:
            sock.close()
        super().terminate_all()


def run_workers(app: str, **options: Any) -> None:
    """``uvicorn.run(app, workers=N, ...)`` with the listener-closing supervisor (N > 1)."""
    config = Config(app, **options)
    ListenerClosingMultiprocess(config, sockets=[config.bind_socket()]).run()

"""The one exception domain code raises for a failure the user can act on."""


class UserError(Exception):
    """An expected failure whose message is fit to show the user as is (no traceback).

    Domain code raises it; the CLI root (``mlops``) turns it into one ``error:`` line and
    ``exit_code``, and the service maps its own cases to HTTP statuses.
    """

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code

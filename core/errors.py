"""Errors raised by actions; each entry point turns them into its own response."""


class ActionError(Exception):
    """An action refused: the message is for the user, translated, and says why."""

    status_code = 400

    def __init__(self, message, *, code="invalid", field=None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field


class InvalidTransition(ActionError):
    """The object is not in a state that allows this action (e.g. already approved)."""

    status_code = 409


class NotAllowed(ActionError):
    """The user may see the object but not do this to it."""

    status_code = 403

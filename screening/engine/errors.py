"""The two errors the engine raises: bad input, and a broken rule set."""


class IntakeError(ValueError):
    """An intake that breaks the screening contract; names the field and what was expected."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class RulesetError(RuntimeError):
    """A knowledge file that does not validate; names the file and, where there is one, the rule."""

    def __init__(self, file: str, message: str, item: str | None = None):
        where = f"{file}: {item}: " if item else f"{file}: "
        super().__init__(where + message)
        self.file = file
        self.item = item

"""``IOConfig``: the ``APP_IMPORT_*`` (and io's other) keys, validated at start-up."""

from __future__ import annotations

import dataclasses

MIB = 1024 * 1024


@dataclasses.dataclass
class IOConfig:
    """Imports, exports and the calendar feed.

    ``import_max_bytes`` bounds an uploaded import file (over it: 413).
    ``import_lease`` is how long (seconds) a worker holds a running import
    before another worker (or the next start) may take it over;
    ``import_poll`` how often the worker looks for queued jobs.
    """

    import_max_bytes: int = 32 * MIB
    import_lease: float = 300.0
    import_poll: float = 2.0
    import_worker: bool = True

    def validate(self) -> list[str]:
        errors = []
        if self.import_max_bytes < 1024:
            errors.append(f"import_max_bytes: at least 1024, got {self.import_max_bytes}")
        if self.import_lease < 5:
            errors.append(f"import_lease: at least 5 seconds, got {self.import_lease}")
        if not 0.05 <= self.import_poll <= 600:
            errors.append(f"import_poll: between 0.05 and 600 seconds, got {self.import_poll}")
        return errors

    @classmethod
    def from_config(cls, config) -> IOConfig:
        """The validated keys of a kernel's configuration (``kernel.config``) as this class."""
        return cls(**{f.name: config[f.name] for f in dataclasses.fields(cls) if f.name in config})

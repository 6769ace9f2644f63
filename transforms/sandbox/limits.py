"""The limits a sandboxed run is held to: wall and CPU time, memory, processes, files; and their defaults."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

MiB = 1 << 20


@dataclass(frozen=True)
class Limits:
    """Per run. Memory, CPU, file size and open files are per process (rlimits); `processes` counts the
    run's processes and threads together, so the run's worst case is about processes x memory_mb."""

    timeout: float = 10.0  # wall-clock seconds, start-up included; the whole sandbox is killed after it
    cpu_seconds: float | None = None  # CPU seconds per process (SIGXCPU, then SIGKILL); None: the timeout
    memory_mb: int = 512  # address space per process (RLIMIT_AS): an allocation beyond it is a MemoryError
    processes: int = 16  # processes and threads (RLIMIT_NPROC, counted in the sandbox's own user namespace)
    file_size_mb: int = 16  # the largest file it may write (RLIMIT_FSIZE)
    open_files: int = 64  # file descriptors per process (RLIMIT_NOFILE)
    tmp_mb: int = 64  # the size of its writable /tmp, its working directory (a tmpfs: memory)
    stderr_lines: int = 20  # the last lines of stderr kept in the result

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if value is not None and not value > 0:
                raise ValueError(f"sandbox limit {name} must be positive, not {value!r}")

    @property
    def cpu(self) -> int:
        """Whole CPU seconds for RLIMIT_CPU (at least 1)."""
        return max(1, math.ceil(self.cpu_seconds if self.cpu_seconds is not None else self.timeout))

    def rlimits(self) -> dict[str, tuple[int, int]]:
        """(soft, hard) per resource.RLIMIT_* name: what a runtime's harness sets on itself."""
        cpu, size = self.cpu, self.file_size_mb * MiB
        return {"RLIMIT_CPU": (cpu, cpu + 1), "RLIMIT_AS": (self.memory_mb * MiB,) * 2,
                "RLIMIT_NPROC": (self.processes,) * 2, "RLIMIT_FSIZE": (size, size),
                "RLIMIT_NOFILE": (self.open_files,) * 2, "RLIMIT_CORE": (0, 0), "RLIMIT_MEMLOCK": (0, 0),
                "RLIMIT_MSGQUEUE": (0, 0)}

    def prlimit(self) -> list[str]:
        """util-linux prlimit's options, set inside the sandbox after its user namespace exists: RLIMIT_NPROC
        set before it would cap every sandbox of the same user together, not each one."""
        return [f"--cpu={self.cpu}:{self.cpu + 1}", f"--as={self.memory_mb * MiB}",
                f"--nproc={self.processes}", f"--fsize={self.file_size_mb * MiB}",
                f"--nofile={self.open_files}", "--core=0", "--memlock=0", "--msgqueue=0"]

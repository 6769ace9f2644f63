"""Running untrusted code contained: a bubblewrap sandbox per run, rlimits, a pool over the cores."""

from transforms.sandbox.errors import SandboxUnavailable
from transforms.sandbox.limits import Limits
from transforms.sandbox.pool import Pool
from transforms.sandbox.program import Program
from transforms.sandbox.python import PythonRuntime
from transforms.sandbox.result import REASONS, Result
from transforms.sandbox.runner import Sandbox

__all__ = ["REASONS", "Limits", "Pool", "Program", "PythonRuntime", "Result", "Sandbox", "SandboxUnavailable"]

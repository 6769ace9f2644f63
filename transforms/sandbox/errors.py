"""The sandbox's refusal: containment is not available here, said in one line with how to get it."""

from transforms.errors import TransformError


class SandboxUnavailable(TransformError):
    """No contained run is possible here (no bubblewrap, no user namespaces): code is never run bare."""

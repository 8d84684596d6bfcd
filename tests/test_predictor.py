"""One predictor, one typed model config: ``nesscan.model.config``, ``nesscan.features``,
``nesscan.predictor`` and the CLI option table.

A screen is the same bytes whatever its chunking, for the shipped default and for the
physchem Transformer shipped until issue 11 (a copy in ``tests/models/physchem_transformer``);
both sides are computed in the test. What the scores are is checked against a stored
reference, within a tolerance, in ``tests/test_portability.py``.
"""

from __future__ import annotations

import copy
import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nesscan.errors import NesscanError
from nesscan.hashing import sha256_file
from nesscan.features.spec import FeatureSpec
from nesscan.model.config import ModelConfig
from nesscan.model.store import default_model_dir
from nesscan.predictor import Predictor, Runtime
from nesscan.records import Protein

OUTPUTS = ("windows.parquet", "candidates.csv", "proteins.csv", "fdr.json")
TRANSFORMER = Path(__file__).parent / "models" / "physchem_transformer"
#: a format-1 config (the former default's), the subject of the validation tests below
SHIPPED = json.loads((TRANSFORMER / "config.json").read_text())


def _first_records(source: Path, n: int) -> str:
    lines, seen = [], 0
    with gzip.open(source, "rt") as handle:
        for line in handle:
            if line.startswith(">"):
                seen += 1
                if seen > n:
                    break
            lines.append(line)
    return "".join(lines)


@pytest.mark.slow
@pytest.mark.parametrize("model", [None, TRANSFORMER], ids=["default", "physchem_transformer"])
def test_a_screen_is_the_same_whatever_the_chunking(data_dir: Path, tmp_path: Path, model: Path | None) -> None:
    """Both sides computed here, on this machine (a hash recorded on another CPU is no test:
    the scores themselves are compared with a stored reference in ``test_portability.py``).

    The default (numpy classifier) writes the same bytes. The Transformer's matrix kernels
    may treat a row by where it sits in its batch: on AVX-512 kernels its windows came out
    bit-identical, under ``ATEN_CPU_CAPABILITY=default`` 16 of 3,959 windows moved by one
    float32 ulp between the two chunkings; its tables are compared within 1e-6."""
    from nesscan import pipeline

    fasta = tmp_path / "small.fasta"
    fasta.write_text(_first_records(data_dir / "proteomes" / "human_swissprot_assembled.fasta.gz", 40))
    for chunk_floats in (16_000_000, 100_000):  # one chunk; several (windows.parquet: a row group each)
        pipeline.screen(fasta, tmp_path / str(chunk_floats), model, workers=1, chunk_floats=chunk_floats)
    one, many = tmp_path / "16000000", tmp_path / "100000"
    windows = [pd.read_parquet(d / "windows.parquet") for d in (one, many)]
    assert len(windows[0]) > 3000
    if model is None:
        for name in OUTPUTS[1:]:
            assert sha256_file(one / name) == sha256_file(many / name), name
        assert windows[0].equals(windows[1])
        return
    pd.testing.assert_frame_equal(windows[0], windows[1], check_exact=False, atol=1e-6, rtol=0)
    for name in ("candidates.csv", "proteins.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(one / name), pd.read_csv(many / name), check_exact=False,
                                      atol=1e-5, rtol=0)


# ----------------------------------------------------------------------------- ModelConfig


def test_the_former_default_config_reads_and_writes_back_to_the_same_bytes() -> None:
    config = ModelConfig.from_json(copy.deepcopy(SHIPPED), "config.json")
    assert config.format == 1 and config.embedder == {"name": "physchem"} and config.features.window_features == ()
    assert config.context == "peptide" and config.window == 22 and config.in_dim == 45
    assert config.params.d_model == 64 and 0.9 <= config.threshold <= 1.0
    assert config.family == "transformer" and "classifier" not in config.to_json()
    text = (TRANSFORMER / "config.json").read_text()
    assert json.dumps(config.to_json(), indent=2) + "\n" == text


def test_the_shipped_config_reads_and_writes_back_to_the_same_bytes() -> None:
    text = (default_model_dir() / "config.json").read_text()
    config = ModelConfig.from_json(json.loads(text), "config.json")
    assert config.format == 2 and config.family == "ensemble" and config.context == "protein"
    assert config.in_dim == 80 and config.threshold >= 0.9 and "99th percentile" in config.threshold_rule
    assert json.dumps(config.to_json(), indent=2) + "\n" == text


@pytest.mark.parametrize("change, message", [
    ({"format": 7}, "unknown model config format 7"),
    ({"format": None}, "unknown model config format None"),
    ({"threshold": None}, "'threshold' must be a number"),
    ({"threshold": 1.5}, "'threshold' must be a number between 0 and 1"),
    ({"threshold": "0.9"}, "'threshold' must be a number"),
    ({"threshold": True}, "'threshold' must be a number"),
    ({"context": "cell"}, "unknown context 'cell'"),
    ({"window": "22"}, "'window' must be an integer"),
    ({"in_dim": 45.0}, "'in_dim' must be an integer"),
    ({"embedder": "physchem"}, "'embedder' must be an object"),
    ({"embedder": {"layer": 6}}, "string 'name'"),
    ({"params": {"d_model": "64"}}, "classifier parameter 'd_model' must be int"),
    ({"params": {"depth": 3}}, "unknown classifier parameter(s) depth"),
    ({"training_data": {"a": 1}}, "'training_data' must map"),
])
def test_an_invalid_config_is_one_line_naming_the_file(change: dict, message: str) -> None:
    raw = {**copy.deepcopy(SHIPPED), **change}
    with pytest.raises(NesscanError) as err:
        ModelConfig.from_json(raw, "some/model/config.json")
    text = str(err.value)
    assert text.startswith("some/model/config.json: ") and message in text and "\n" not in text


@pytest.mark.parametrize("key", ["embedder", "threshold", "context", "window", "in_dim", "params", "seed",
                                 "weights_sha256", "training_data", "nesscan_version"])
def test_a_missing_key_is_named(key: str) -> None:
    raw = {k: v for k, v in SHIPPED.items() if k != key}
    with pytest.raises(NesscanError, match=f"config.json: .*missing key '{key}'"):
        ModelConfig.from_json(raw, "config.json")


def test_a_model_directory_with_an_invalid_config_is_refused(tmp_path: Path) -> None:
    import shutil

    model = Path(shutil.copytree(default_model_dir(), tmp_path / "m"))
    (model / "config.json").write_text(json.dumps({**SHIPPED, "context": "nucleus"}))
    with pytest.raises(NesscanError, match=f"{model / 'config.json'}: .*unknown context"):
        Predictor.load(model)


def test_format_2_records_several_tracks_and_window_features() -> None:
    config = ModelConfig.from_json(copy.deepcopy(SHIPPED), "config.json")
    spec = FeatureSpec(({"name": "physchem"}, {"name": "physchem"}), ({"name": "length"},))
    two = config.replace(features=spec, in_dim=91)
    raw = two.to_json()
    assert raw["format"] == 2 and "embedder" not in raw
    assert raw["features"] == {"tracks": [{"name": "physchem"}] * 2, "window": [{"name": "length"}]}
    assert list(raw)[:3] == ["format", "nesscan_version", "features"]
    back = ModelConfig.from_json(json.loads(json.dumps(raw)), "config.json")
    assert back.features == spec and back.in_dim == 91 and back.format == 2


# ----------------------------------------------------------------- registries and featurizer


def test_a_track_and_a_window_feature_are_one_registration_each(monkeypatch) -> None:
    import nesscan.features as features
    from nesscan.embed import get_embedder

    from nesscan.features import registry

    tracks, windows = dict(registry.TRACKS), dict(registry.WINDOW_FEATURES)  # scratch registries
    for module in (registry, features):  # the decorators write, the Featurizer reads: one dict each
        monkeypatch.setattr(module, "TRACKS", tracks)
        monkeypatch.setattr(module, "WINDOW_FEATURES", windows)

    @features.register_track("twice_physchem")
    def twice(spec, runtime):
        inner = get_embedder("physchem")

        class Twice(type(inner)):
            name = "twice_physchem"

            def spec(self):
                return dict(spec)

            def embed(self, sequences, progress=None):
                return [2 * x for x in inner.embed(sequences, progress)]
        return Twice()

    @features.register_window_feature("leucines")
    def leucines(spec, runtime):
        class Count:
            dim = 1

            def __call__(self, windows):
                return np.array([[w.count("L")] for w in windows], np.float32)
        return Count()

    spec = FeatureSpec(({"name": "physchem"}, {"name": "twice_physchem"}), ({"name": "leucines"},))
    feat = features.Featurizer(spec, Runtime(), window=22)
    assert feat.dim == 45 + 45 + 1 and not feat.contextual
    protein = Protein("P1", "MLLKQRSTLLEAVLNGKPEDLLSLLKRAEWSLA")
    examples = pd.DataFrame({"sequence": [protein.sequence[a:a + 22] for a in range(12)],
                             "accession": "P1", "start": range(12), "source": "nesdb"})
    x = feat.windows(examples, {"P1": protein}, "peptide")
    assert x.shape == (12, 22, 91)
    assert np.array_equal(x[..., 45:90], 2 * x[..., :45])
    assert np.array_equal(x[:, :, 90], np.repeat([[s.count("L")] for s in examples.sequence], 22, axis=1))
    counts, batches = feat.protein_windows([protein], "peptide", batch_windows=5)
    assert counts == [12] and np.array_equal(np.concatenate(list(batches)), x)
    with pytest.raises(NesscanError, match="unknown window feature 'absent'"):
        features.Featurizer(FeatureSpec(({"name": "physchem"},), ({"name": "absent"},)), Runtime(), 22)


def test_scores_of_proteins_and_of_their_windows_agree(tiny_data: Path) -> None:
    from nesscan.io import read_fasta

    model = Predictor.load()
    proteins = [p for p in read_fasta(tiny_data / "proteomes" / "tiny.fasta") if len(p.sequence) >= 22][:5]
    per_protein = model.score_proteins(proteins, batch_windows=64)
    for p, scores in zip(proteins, per_protein):
        examples = pd.DataFrame({"sequence": [p.sequence[a:a + 22] for a in range(len(scores))],
                                 "accession": p.accession, "start": range(len(scores)), "source": "nesdb"})
        assert np.allclose(model.score_windows(examples, {p.accession: p}), scores, atol=1e-6)
    assert model.score_proteins([]) == []


def test_the_runtime_has_one_route_for_each_setting(tmp_path: Path) -> None:
    with pytest.raises(NesscanError, match="precision must be float32 or bfloat16"):
        Runtime(precision="float16")
    runtime = Runtime(device="cpu", precision="bfloat16", cache_dir=str(tmp_path), weights=str(tmp_path))
    esm = {"name": "esm2", "model": "esm2_t6_8M_UR50D", "layer": 6}
    assert runtime.embedder_options(esm) == {"model": str(tmp_path), "cache_dir": str(tmp_path),
                                             "dtype": "bfloat16", "device": "cpu"}
    assert Runtime(weights="facebook/esm2_t6_8M_UR50D").embedder_options(esm) == {}
    with pytest.raises(NesscanError, match="trained with ESM-2 weights 'esm2_t6_8M_UR50D'"):
        Runtime(weights="esm2_t12_35M_UR50D").embedder_options(esm)
    model = Predictor.load(TRANSFORMER, runtime)  # physchem: weight-free, every option but the classifier's ignored
    assert model.featurizer.embedder.spec() == {"name": "physchem"} and model.device == "cpu"
    model = Predictor.load(None, runtime)  # the default: metapredict track (cached in cache_dir), numpy classifier
    assert model.featurizer.embedder.spec() == {"name": "metapredict_plddt"} and model.device == "cpu"


# --------------------------------------------------------------------------------- the CLI


def test_every_command_that_loads_a_model_has_the_same_options() -> None:
    from nesscan.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for command in ("evaluate", "screen", "serve"):
        options = {o for a in sub.choices[command]._actions for o in a.option_strings}
        assert {"--model", "--device", "--precision", "--esm-model", "--embedding-cache"} <= options, command
    run = {o for a in sub.choices["run"]._actions for o in a.option_strings}
    assert {"--device", "--precision", "--esm-model", "--embedding-cache", "--seed"} <= run
    assert "--decoy-seed" in {o for a in sub.choices["screen"]._actions for o in a.option_strings}
    assert "--browse" in {o for a in sub.choices["serve"]._actions for o in a.option_strings}


def test_deprecated_spellings_still_parse() -> None:
    from nesscan.cli import build_parser

    parser = build_parser()
    assert parser.parse_args(["evaluate", "m/", "-o", "e/"]).model_positional == "m/"
    assert parser.parse_args(["evaluate", "--model", "m/", "-o", "e/"]).model == "m/"
    assert parser.parse_args(["serve", "--screen", "s/"]).browse == "s/"
    assert parser.parse_args(["screen", "x.fa", "-o", "o/", "--seed", "3"]).decoy_seed == 3
    assert parser.parse_args(["screen", "x.fa", "-o", "o/"]).decoy_seed == 0

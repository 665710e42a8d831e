"""Service-time distributions (moments, sampling, validation) and named random streams."""

from __future__ import annotations

import hashlib
import json
import math
import os
import subprocess
import sys
from typing import Any

import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError
from scipy import stats

from sim.distributions import (
    Deterministic,
    Distribution,
    Exponential,
    Gamma,
    LogNormal,
    Triangular,
    Uniform,
)
from sim.rng import stable_int, stream

ADAPTER: TypeAdapter[Any] = TypeAdapter(Distribution)
N = 200_000
K = 5.0  # tolerance in standard errors


def make(spec: dict[str, Any]) -> Any:
    """A distribution built the way scenarios build it (discriminated by ``dist``)."""
    return ADAPTER.validate_python(spec)


def scipy_twin(spec: dict[str, Any]) -> Any:
    """The same distribution as a frozen scipy.stats object, parametrised independently."""
    kind = spec["dist"]
    if kind == "exponential":
        return stats.expon(scale=spec["mean"])
    if kind == "lognormal":
        s2 = math.log(1.0 + spec["cv"] ** 2)
        return stats.lognorm(s=math.sqrt(s2), scale=spec["mean"] * math.exp(-s2 / 2))
    if kind == "gamma":
        shape = spec["cv"] ** -2
        return stats.gamma(a=shape, scale=spec["mean"] / shape)
    if kind == "uniform":
        return stats.uniform(loc=spec["low"], scale=spec["high"] - spec["low"])
    if kind == "triangular":
        lo, mode, hi = spec["low"], spec["mode"], spec["high"]
        return stats.triang(c=(mode - lo) / (hi - lo), loc=lo, scale=hi - lo)
    raise AssertionError(kind)


RANDOM_SPECS = [
    {"dist": "exponential", "mean": 2.5},
    {"dist": "exponential", "mean": 0.01},
    {"dist": "lognormal", "mean": 4.0, "cv": 0.5},
    {"dist": "lognormal", "mean": 90.0, "cv": 0.7},
    {"dist": "lognormal", "mean": 2.0, "cv": 1.0},
    {"dist": "gamma", "mean": 3.0, "cv": 0.8},
    {"dist": "gamma", "mean": 2.0, "cv": 1.0},
    {"dist": "gamma", "mean": 1.0, "cv": 2.0},
    {"dist": "gamma", "mean": 10.0, "cv": 0.1},
    {"dist": "uniform", "low": 2.0, "high": 5.0},
    {"dist": "uniform", "low": 0.0, "high": 1.0},
    {"dist": "triangular", "low": 1.0, "mode": 2.0, "high": 6.0},
    {"dist": "triangular", "low": 0.0, "mode": 0.0, "high": 4.0},
    {"dist": "triangular", "low": 3.0, "mode": 9.0, "high": 9.0},
]


def spec_id(spec: dict[str, Any]) -> str:
    return "-".join(f"{v}" for v in spec.values())


@pytest.mark.parametrize("spec", RANDOM_SPECS, ids=spec_id)
def test_theoretical_moments_match_scipy(spec: dict[str, Any]) -> None:
    d = make(spec)
    twin = scipy_twin(spec)
    assert d.expected_value() == pytest.approx(float(twin.mean()), rel=1e-9)
    assert d.variance() == pytest.approx(float(twin.var()), rel=1e-9)


@pytest.mark.parametrize("spec", RANDOM_SPECS, ids=spec_id)
def test_sample_mean_and_variance_match_theory(spec: dict[str, Any]) -> None:
    d = make(spec)
    rng = np.random.default_rng(stable_int(spec_id(spec)))
    x = d.sample(rng, N)
    assert isinstance(x, np.ndarray)
    assert x.shape == (N,)
    assert np.issubdtype(x.dtype, np.floating)
    assert np.all(np.isfinite(x))
    assert np.all(x >= 0)

    mean, var = d.expected_value(), d.variance()
    se_mean = math.sqrt(var / N)
    assert abs(x.mean() - mean) <= K * se_mean, (x.mean(), mean, se_mean)

    # standard error of the sample variance: sqrt((mu4 - sigma^4) / n), mu4 from the kurtosis
    excess = float(scipy_twin(spec).stats(moments="k"))
    mu4 = (excess + 3.0) * var**2
    se_var = math.sqrt((mu4 - var**2) / N)
    assert abs(x.var(ddof=1) - var) <= K * se_var, (x.var(ddof=1), var, se_var)


@pytest.mark.parametrize("spec", RANDOM_SPECS, ids=spec_id)
def test_sample_follows_the_whole_distribution(spec: dict[str, Any]) -> None:
    # mean and variance could match with the wrong shape; compare the whole CDF
    d = make(spec)
    x = d.sample(np.random.default_rng(7 + stable_int(spec_id(spec))), 50_000)
    result = stats.kstest(x, scipy_twin(spec).cdf)
    assert result.pvalue > 1e-6, result


@pytest.mark.parametrize(
    "spec",
    [
        {"dist": "uniform", "low": 2.0, "high": 5.0},
        {"dist": "triangular", "low": 1.0, "mode": 2.0, "high": 6.0},
    ],
    ids=["uniform", "triangular"],
)
def test_bounded_samples_stay_in_bounds(spec: dict[str, Any]) -> None:
    x = make(spec).sample(np.random.default_rng(3), N)
    assert x.min() >= spec["low"]
    assert x.max() <= spec["high"]
    width = spec["high"] - spec["low"]
    # and they reach close to both ends
    assert x.min() < spec["low"] + 0.01 * width
    assert x.max() > spec["high"] - 0.01 * width


@pytest.mark.parametrize(
    ("spec", "value"),
    [
        ({"dist": "deterministic", "value": 7.5}, 7.5),
        ({"dist": "deterministic", "value": 0.0}, 0.0),
        ({"dist": "uniform", "low": 3.0, "high": 3.0}, 3.0),
        ({"dist": "lognormal", "mean": 4.0, "cv": 0.0}, 4.0),
    ],
    ids=["deterministic", "deterministic-zero", "uniform-point", "lognormal-cv0"],
)
def test_degenerate_distributions(spec: dict[str, Any], value: float) -> None:
    d = make(spec)
    assert d.expected_value() == pytest.approx(value)
    assert d.variance() == 0.0
    x = d.sample(np.random.default_rng(0), 1000)
    assert x.shape == (1000,)
    np.testing.assert_allclose(x, value, rtol=1e-12, atol=0)


def test_gamma_with_cv_one_is_exponential() -> None:
    g = make({"dist": "gamma", "mean": 2.0, "cv": 1.0})
    e = make({"dist": "exponential", "mean": 2.0})
    assert g.expected_value() == e.expected_value()
    assert g.variance() == pytest.approx(e.variance())
    xg = g.sample(np.random.default_rng(1), 50_000)
    xe = e.sample(np.random.default_rng(2), 50_000)
    assert stats.ks_2samp(xg, xe).pvalue > 1e-6


@pytest.fixture
def legacy_global_rng() -> Any:
    """numpy's legacy global generator, restored after the test that disturbs it."""
    state = np.random.get_state()  # noqa: NPY002 - the point is to disturb global state
    yield np.random
    np.random.set_state(state)  # noqa: NPY002


def test_sampling_does_not_use_global_state(legacy_global_rng: Any) -> None:
    d = make({"dist": "lognormal", "mean": 4.0, "cv": 0.5})
    legacy_global_rng.seed(1)
    a = d.sample(np.random.default_rng(99), 100)
    legacy_global_rng.seed(2)
    legacy_global_rng.random(1000)
    b = d.sample(np.random.default_rng(99), 100)
    np.testing.assert_array_equal(a, b)


def test_sample_of_size_zero() -> None:
    for spec in [*RANDOM_SPECS[:1], {"dist": "deterministic", "value": 1.0}]:
        assert make(spec).sample(np.random.default_rng(0), 0).shape == (0,)


def test_model_classes_are_what_the_union_builds() -> None:
    assert isinstance(make({"dist": "exponential", "mean": 1}), Exponential)
    assert isinstance(make({"dist": "lognormal", "mean": 1, "cv": 1}), LogNormal)
    assert isinstance(make({"dist": "gamma", "mean": 1, "cv": 1}), Gamma)
    assert isinstance(make({"dist": "deterministic", "value": 1}), Deterministic)
    assert isinstance(make({"dist": "uniform", "low": 0, "high": 1}), Uniform)
    assert isinstance(make({"dist": "triangular", "low": 0, "mode": 1, "high": 2}), Triangular)


def test_distributions_are_frozen() -> None:
    d = make({"dist": "exponential", "mean": 1.0})
    with pytest.raises(ValidationError):
        d.mean = 2.0
    assert d.mean == 1.0


# ----------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ({"dist": "uniform", "low": 5, "high": 2}, "high must be >= low"),
        ({"dist": "uniform", "low": -1, "high": 2}, "greater than or equal to 0"),
        ({"dist": "triangular", "low": 1, "mode": 7, "high": 6}, "low <= mode <= high"),
        ({"dist": "triangular", "low": 3, "mode": 2, "high": 6}, "low <= mode <= high"),
        ({"dist": "triangular", "low": 6, "mode": 3, "high": 1}, "low <= mode <= high"),
        ({"dist": "triangular", "low": 2, "mode": 2, "high": 2}, "low < high"),
        ({"dist": "exponential", "mean": -1}, "greater than 0"),
        ({"dist": "exponential", "mean": 0}, "greater than 0"),
        ({"dist": "lognormal", "mean": -1, "cv": 0.5}, "greater than 0"),
        ({"dist": "lognormal", "mean": 1, "cv": -0.1}, "greater than or equal to 0"),
        ({"dist": "lognormal", "mean": 1, "cv": 11}, "less than or equal to 10"),
        ({"dist": "gamma", "mean": -2, "cv": 0.5}, "greater than 0"),
        ({"dist": "gamma", "mean": 2, "cv": 0}, "greater than 0"),
        ({"dist": "deterministic", "value": -0.5}, "greater than or equal to 0"),
        ({"dist": "exponential", "mean": float("nan")}, "finite"),
        ({"dist": "exponential", "mean": float("inf")}, "finite"),
        ({"dist": "uniform", "low": 0, "high": float("inf")}, "finite"),
        ({"dist": "lognormal", "mean": 1}, "Field required"),
        ({"dist": "exponential", "mean": 1, "cv": 0.5}, "Extra inputs are not permitted"),
        ({"dist": "weibull", "mean": 1}, "weibull"),
        ({"mean": 1}, "dist"),
        ({"dist": "exponential", "mean": "slow"}, "valid number"),
    ],
    ids=lambda v: spec_id(v) if isinstance(v, dict) else None,
)
def test_invalid_distributions_are_rejected(spec: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValidationError) as info:
        make(spec)
    assert fragment in str(info.value)


# ----------------------------------------------------------------------------- stable_int


@pytest.mark.parametrize("name", ["arrivals", "QN21", "online", "", "hồ sơ một cửa", "x" * 300])
def test_stable_int_is_blake2b_little_endian(name: str) -> None:
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=4).digest()
    expected = digest[0] | digest[1] << 8 | digest[2] << 16 | digest[3] << 24
    assert stable_int(name) == expected
    assert 0 <= stable_int(name) < 2**32


def test_stable_int_of_integers_is_the_low_32_bits() -> None:
    assert stable_int(0) == 0
    assert stable_int(5) == 5
    assert stable_int(2**32 - 1) == 2**32 - 1
    assert stable_int(2**32) == 0
    assert stable_int(2**40 + 7) == 7
    assert stable_int(-1) == 2**32 - 1


def test_stable_int_distinguishes_names() -> None:
    names = [f"QN{i:02d}" for i in range(1, 55)] + ["arrivals", "service", "online", "post"]
    values = {stable_int(n) for n in names}
    assert len(values) == len(names)


def test_stable_int_and_streams_do_not_depend_on_the_process() -> None:
    code = (
        "import json, sys\n"
        "from sim.rng import stable_int, stream\n"
        "print(json.dumps([stable_int('QN21'), stream(42, 3, 'arrivals', 'QN21', 7)"
        ".random(5).tolist()]))\n"
    )
    here = [stable_int("QN21"), stream(42, 3, "arrivals", "QN21", 7).random(5).tolist()]
    for hash_seed in ("1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        assert json.loads(out.stdout) == here


# ----------------------------------------------------------------------------- streams


def draws(seed: int, rep: int, *names: str | int, n: int = 1000) -> np.ndarray:
    return stream(seed, rep, *names).random(n)


def test_stream_returns_an_independent_generator() -> None:
    g = stream(1, 0, "arrivals")
    assert isinstance(g, np.random.Generator)
    assert isinstance(g.bit_generator, np.random.PCG64)
    assert stream(1, 0, "arrivals") is not g


def test_same_names_give_identical_draws() -> None:
    a = draws(20250701, 2, "arrivals", "QN21", "online")
    b = draws(20250701, 2, "arrivals", "QN21", "online")
    np.testing.assert_array_equal(a, b)
    # the same holds for every kind of draw, not only uniforms
    x = stream(7, 1, "service").lognormal(0.0, 1.0, 100)
    y = stream(7, 1, "service").lognormal(0.0, 1.0, 100)
    np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize(
    ("other", "why"),
    [
        ((20250701, 2, "arrivals", "QN21", "post"), "last name"),
        ((20250701, 2, "arrivals", "QN22", "online"), "unit"),
        ((20250701, 2, "service", "QN21", "online"), "first name"),
        ((20250701, 3, "arrivals", "QN21", "online"), "replication"),
        ((20250702, 2, "arrivals", "QN21", "online"), "seed"),
        ((20250701, 2, "QN21", "arrivals", "online"), "order of names"),
        ((20250701, 2, "arrivals", "QN21"), "fewer names"),
        ((20250701, 2, "arrivals", "QN21", "online", 0), "more names"),
        ((20250701, 2, "arrivalsQN21", "online"), "concatenated names"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_different_keys_give_different_draws(other: tuple[Any, ...], why: str) -> None:
    base = draws(20250701, 2, "arrivals", "QN21", "online")
    alt = draws(*other)
    assert not np.array_equal(base, alt), why
    # not merely shifted copies of each other either
    assert not np.isin(alt[:50], base).any(), why


def test_integer_and_string_names_differ() -> None:
    assert not np.array_equal(draws(1, 0, 5), draws(1, 0, "5"))
    np.testing.assert_array_equal(draws(1, 0, 5), draws(1, 0, 5 + 2**32))  # low 32 bits only


def test_streams_are_independent_of_creation_and_use_order(legacy_global_rng: Any) -> None:
    names = [("arrivals", "QN01"), ("arrivals", "QN02"), ("service", "QN01"), ("supplements",)]
    # first order: create all, then draw in reverse
    gens = {n: stream(11, 4, *n) for n in names}
    first = {n: gens[n].random(200) for n in reversed(names)}
    # second order: interleave creation with other streams and with global state use
    second = {}
    for n in names:
        stream(11, 4, "unrelated").random(10_000)
        legacy_global_rng.random(100)
        second[n] = stream(11, 4, *n).random(200)
    for n in names:
        np.testing.assert_array_equal(first[n], second[n])


def test_streams_are_uncorrelated() -> None:
    n = 100_000
    a = stream(3, 0, "arrivals", "QN01").standard_normal(n)
    b = stream(3, 0, "arrivals", "QN02").standard_normal(n)
    c = stream(3, 1, "arrivals", "QN01").standard_normal(n)
    for x, y in ((a, b), (a, c), (b, c)):
        r = float(np.corrcoef(x, y)[0, 1])
        assert abs(r) < K / math.sqrt(n), r
    # and each looks like a fair uniform source
    u = stream(3, 0, "arrivals", "QN01").random(n)
    assert abs(u.mean() - 0.5) < K * math.sqrt(1 / 12 / n)


def test_distribution_samples_are_reproducible_from_a_named_stream() -> None:
    d = make({"dist": "gamma", "mean": 3.0, "cv": 0.8})
    a = d.sample(stream(5, 0, "service", "QN21"), 500)
    b = d.sample(stream(5, 0, "service", "QN21"), 500)
    c = d.sample(stream(5, 1, "service", "QN21"), 500)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)

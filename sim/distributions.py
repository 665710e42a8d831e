"""Service-time and delay distributions as small validated objects.

YAML names them by ``dist``: ``{dist: lognormal, mean: 2.5, cv: 0.6}``. Every distribution
knows its mean and variance, so tests can compare samples with theory, and samples a whole
array at once from a named :class:`numpy.random.Generator` (never from global state).
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator(
        "mean", "cv", "value", "low", "mode", "high", mode="before", check_fields=False
    )
    @classmethod
    def _no_bool(cls, v: Any) -> Any:
        # YAML reads yes/no/on/off as booleans, which pydantic would take for 1 and 0
        if isinstance(v, bool):
            raise ValueError("true/false (or yes/no, on/off) where a number is expected")
        return v

    def expected_value(self) -> float:
        raise NotImplementedError

    def variance(self) -> float:
        raise NotImplementedError

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        raise NotImplementedError


class Exponential(_Dist):
    """Exponential with the given mean."""

    dist: Literal["exponential"]
    mean: float = Field(gt=0)

    def expected_value(self) -> float:
        return self.mean

    def variance(self) -> float:
        return self.mean**2

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.exponential(self.mean, n)


class LogNormal(_Dist):
    """Log-normal parametrised by its own mean and coefficient of variation."""

    dist: Literal["lognormal"]
    mean: float = Field(gt=0)
    cv: float = Field(ge=0, le=10)

    def expected_value(self) -> float:
        return self.mean

    def variance(self) -> float:
        return (self.cv * self.mean) ** 2

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        s2 = math.log1p(self.cv**2)
        mu = math.log(self.mean) - s2 / 2
        return rng.lognormal(mu, math.sqrt(s2), n)


class Gamma(_Dist):
    """Gamma parametrised by mean and coefficient of variation (cv=1 is exponential)."""

    dist: Literal["gamma"]
    mean: float = Field(gt=0)
    cv: float = Field(gt=0, le=10)

    def expected_value(self) -> float:
        return self.mean

    def variance(self) -> float:
        return (self.cv * self.mean) ** 2

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        shape = 1.0 / self.cv**2
        return rng.gamma(shape, self.mean / shape, n)


class Deterministic(_Dist):
    """Always the same value."""

    dist: Literal["deterministic"]
    value: float = Field(ge=0)

    def expected_value(self) -> float:
        return self.value

    def variance(self) -> float:
        return 0.0

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.full(n, self.value)


class Uniform(_Dist):
    """Uniform on [low, high]."""

    dist: Literal["uniform"]
    low: float = Field(ge=0)
    high: float = Field(ge=0)

    @model_validator(mode="after")
    def _order(self) -> Uniform:
        if self.high < self.low:
            raise ValueError("high must be >= low")
        return self

    def expected_value(self) -> float:
        return (self.low + self.high) / 2

    def variance(self) -> float:
        return (self.high - self.low) ** 2 / 12

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.uniform(self.low, self.high, n)


class Triangular(_Dist):
    """Triangular on [low, high] with the given mode."""

    dist: Literal["triangular"]
    low: float = Field(ge=0)
    mode: float = Field(ge=0)
    high: float = Field(ge=0)

    @model_validator(mode="after")
    def _order(self) -> Triangular:
        if not self.low <= self.mode <= self.high or self.low == self.high:
            raise ValueError("need low <= mode <= high and low < high")
        return self

    def expected_value(self) -> float:
        return (self.low + self.mode + self.high) / 3

    def variance(self) -> float:
        a, c, b = self.low, self.mode, self.high
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.triangular(self.low, self.mode, self.high, n)


Distribution = Annotated[
    Exponential | LogNormal | Gamma | Deterministic | Uniform | Triangular,
    Field(discriminator="dist"),
]

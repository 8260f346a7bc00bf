"""The frozen pydantic base model (不変のモデル) every layer's data classes share.

A value of the model cannot change once built, so one can be shared by every request and cached;
an unknown field is an error rather than silently dropped, so a typo in a data file is reported.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class FrozenModel(BaseModel):
    """A pydantic model that is immutable once built and refuses unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")

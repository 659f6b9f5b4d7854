"""Where things are: coordinates and great-circle distances."""

from __future__ import annotations

import numpy as np
from pydantic import (
    Field,
)

from dutyplan.problem.fields import ProblemPart


class Coordinates(ProblemPart):
    """A point on Earth in decimal degrees."""

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


def haversine_km(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Great-circle km between every row of ``a`` and every row of ``b`` (lat, lon degrees)."""
    lat1 = np.radians(a[:, 0])[:, None]
    lon1 = np.radians(a[:, 1])[:, None]
    lat2 = np.radians(b[:, 0])[None, :]
    lon2 = np.radians(b[:, 1])[None, :]
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def haversine_pairs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Great-circle km between ``a[i]`` and ``b[i]`` (rows of lat, lon degrees), row by row."""
    lat1, lon1 = np.radians(a[..., 0]), np.radians(a[..., 1])
    lat2, lon2 = np.radians(b[..., 0]), np.radians(b[..., 1])
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))

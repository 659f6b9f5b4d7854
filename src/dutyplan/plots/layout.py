"""Positions of people and sites from their distances alone (no coordinates)."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

KM_PER_DEGREE = 6371.0088 * math.pi / 180.0


def layout_from_distances(
    distances: np.ndarray, seed: int = 0, iterations: int = 500
) -> tuple[np.ndarray, np.ndarray]:
    """Plane positions (km) of people and sites whose distances approximate ``distances``.

    ``distances`` is people x sites (km, one way); nothing is known about person-person or
    site-site distances, so this is metric unfolding. Starts: Schönemann's closed form (exact
    for exact planar distances; needs 6 people and 3 sites), classical scaling of the matrix
    completed with triangle-inequality bounds, and a few seeded random ones. Each start is
    polished by weighted stress majorisation (SMACOF, weights 1/d^2) on the known pairs only,
    and the layout of least stress is kept (the first one that fits within 0.1 % ends the
    search). Deterministic for a seed. Returns ``(people_xy, sites_xy)``, shapes (people, 2)
    and (sites, 2), centred on 0.
    """
    known = np.asarray(distances, dtype=float)
    n_people, n_sites = known.shape
    n = n_people + n_sites
    positive = known[known > 0]
    scale = float(np.median(positive)) if positive.size else 1.0
    rng = np.random.default_rng(seed)

    # stress counts the person-site pairs only: sum of w (|x_p - s_k| - d_pk)^2
    weights = 1.0 / np.maximum(known, 0.05 * scale) ** 2
    people_weight, sites_weight = weights.sum(axis=1), weights.sum(axis=0)
    # the Guttman transform solves L x = b with L the bipartite weight Laplacian: eliminate
    # the people (diagonal block) and solve the sites' Schur complement (singular: translation)
    schur_inverse = np.linalg.pinv(
        np.diag(sites_weight) - weights.T @ (weights / people_weight[:, None])
    )
    fit_scale = float((weights * known**2).sum())

    def stress(points: np.ndarray) -> tuple[float, np.ndarray]:
        gaps = np.linalg.norm(points[:n_people, None, :] - points[None, n_people:, :], axis=2)
        return float((weights * (gaps - known) ** 2).sum()), gaps

    def polish(points: np.ndarray) -> tuple[float, np.ndarray]:
        current, gaps = stress(points)
        for _ in range(iterations):
            ratio = np.divide(weights * known, gaps, out=np.zeros_like(gaps), where=gaps > 1e-12)
            people, sites = points[:n_people], points[n_people:]
            people_side = ratio.sum(axis=1)[:, None] * people - ratio @ sites
            sites_side = ratio.sum(axis=0)[:, None] * sites - ratio.T @ people
            people_share = people_side / people_weight[:, None]
            sites = schur_inverse @ (sites_side + weights.T @ people_share)
            people = people_share + (weights @ sites) / people_weight[:, None]
            points = np.vstack([people, sites])
            previous = current
            current, gaps = stress(points)
            if previous - current <= 1e-10 * max(previous, 1e-300):
                break
        return current, points

    def starts() -> Iterator[np.ndarray]:
        if n_people >= 6 and n_sites >= 3:
            yield _unfolding_start(known)
        if n <= 300:  # classical scaling of an n x n matrix
            yield _completed_matrix_start(known)
        for _ in range(4):
            yield rng.normal(scale=scale, size=(n, 2))

    best: tuple[float, np.ndarray] | None = None
    for start in starts():
        found = polish(start + rng.normal(scale=1e-3 * scale, size=(n, 2)))
        if best is None or found[0] < best[0]:
            best = found
        if best[0] <= 1e-6 * fit_scale:  # fits within 0.1 %
            break
    assert best is not None
    positions = best[1] - best[1].mean(axis=0)
    return positions[:n_people], positions[n_people:]


def _unfolding_start(known: np.ndarray) -> np.ndarray:
    """People and sites positions (stacked) from Schönemann's metric unfolding.

    With squared distances M, ``-1/2 Jp M Js = X S^T`` for centred people X and sites S, so
    its rank-2 SVD gives ``X = Y B`` and ``S = V B^-T`` for an unknown 2 x 2 matrix B; the
    row means of ``Jp M`` are linear in ``B B^T`` and ``B t`` (t: people's centroid), which
    least squares recovers.
    """
    n_people, n_sites = known.shape
    squared = known**2
    centre_people = np.eye(n_people) - 1.0 / n_people
    centre_sites = np.eye(n_sites) - 1.0 / n_sites
    left, singular, right = np.linalg.svd(
        -0.5 * centre_people @ squared @ centre_sites, full_matrices=False
    )
    people = left[:, :2] * singular[:2]
    sites = right[:2].T
    quadratic = np.column_stack(
        [people[:, 0] ** 2, 2 * people[:, 0] * people[:, 1], people[:, 1] ** 2]
    )
    design = np.column_stack([quadratic - quadratic.mean(axis=0), 2 * people])
    solution = np.linalg.lstsq(design, (centre_people @ squared).mean(axis=1), rcond=None)[0]
    gram = np.array([[solution[0], solution[1]], [solution[1], solution[2]]])
    eigenvalues, eigenvectors = np.linalg.eigh(gram)
    eigenvalues = np.maximum(eigenvalues, 1e-9 * max(float(eigenvalues.max()), 1e-12))
    basis = eigenvectors * np.sqrt(eigenvalues)
    offset = np.linalg.solve(basis, solution[3:])
    return np.vstack([people @ basis + offset, sites @ np.linalg.inv(basis).T])


def _completed_matrix_start(known: np.ndarray) -> np.ndarray:
    """Classical scaling of the full matrix, unknown pairs set to their triangle-inequality
    lower bound (``|d(p, s) - d(q, s)| <= d(p, q)``)."""
    n_people, n_sites = known.shape
    n = n_people + n_sites
    full = np.zeros((n, n))
    full[:n_people, n_people:] = known
    full[n_people:, :n_people] = known.T
    between_people = full[:n_people, :n_people]
    for s in range(n_sites):
        gaps = np.abs(known[:, s, None] - known[None, :, s])
        np.maximum(between_people, gaps, out=between_people)
    between_sites = full[n_people:, n_people:]
    for p in range(n_people):
        np.maximum(between_sites, np.abs(known[p, :, None] - known[p, None, :]), out=between_sites)
    centring = np.eye(n) - 1.0 / n
    eigenvalues, eigenvectors = np.linalg.eigh(-0.5 * centring @ (full**2) @ centring)
    top = np.argsort(eigenvalues)[::-1][:2]
    return eigenvectors[:, top] * np.sqrt(np.maximum(eigenvalues[top], 0.0))

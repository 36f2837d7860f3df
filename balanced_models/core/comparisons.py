"""Theory beside simulation, in the same units.

* :func:`compare_populations`: per population, the predicted rates and ISI CV of
  :func:`~balanced_models.core.predictions.population_prediction` beside the simulated mean
  rate and mean CV with their standard errors, and simulated / predicted.
* :func:`compare_covariances`: per pair of populations, the mean and the spread of the pairwise
  spike-count covariances, predicted (:func:`~balanced_models.core.predictions.
  covariance_prediction`) and simulated (the handles' ``count_covariances``), and the Pearson
  correlation of the pairwise correlation coefficients. A prediction given as zero-frequency
  cross-spectral densities (Hz) is converted into count covariances of the simulation's window
  here, once (:func:`theory.spectra.count_covariance_from_spectrum`).

Plots of both are :func:`~balanced_models.core.plotting.plot_cvs` and
:func:`~balanced_models.core.plotting.plot_covariances`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from theory.errors import ParameterError
from theory.spectra import count_covariance_from_spectrum

from .analysis import correlation_from_covariance, pair_statistics

if TYPE_CHECKING:
    from .activity import RecordedActivity

__all__ = ["compare_populations", "compare_covariances"]


def compare_populations(prediction: pd.DataFrame, handles: RecordedActivity, *,
                        start: float | None = None, stop: float | None = None) -> pd.DataFrame:
    """Predicted and simulated rates and ISI CVs per population, side by side.

    Parameters
    ----------
    prediction : pandas.DataFrame
        :func:`~balanced_models.core.predictions.population_prediction` (indexed by
        population; its ``*_rate`` columns in Hz and ``diffusion_cv``).
    handles : RecordedActivity
        A network that has run (any engine), with the spikes of the populations recorded.
    start, stop : float, optional
        Analysis window (s); default the last 90 % of the run.

    Returns
    -------
    pandas.DataFrame
        Indexed by population: the prediction's rate columns and ``diffusion_cv``,
        ``simulated_rate`` and ``simulated_rate_se`` (Hz), ``simulated_cv`` and
        ``simulated_cv_se``, and the ratios ``rate_ratio`` (simulated / diffusion_rate) and
        ``cv_ratio`` (simulated / diffusion_cv), NaN where the theory gives no value.

    Raises
    ------
    ParameterError
        If ``prediction`` is not a table indexed by population or no spikes were recorded.
    """
    if not isinstance(prediction, pd.DataFrame) or "diffusion_rate" not in prediction:
        raise ParameterError("prediction must be the table of population_prediction (with a "
                             "diffusion_rate column)")
    simulated = handles.population_rates(start, stop).join(handles.population_cvs(start, stop))
    if simulated.empty:
        raise ParameterError("no spikes were recorded: set record=Recording(spikes=...)")
    columns = [c for c in prediction.columns if c.endswith("_rate")] + ["diffusion_cv"]
    table = prediction.reindex(simulated.index)[columns].join(simulated)
    table["rate_ratio"] = table["simulated_rate"] / table["diffusion_rate"]
    table["cv_ratio"] = table["simulated_cv"] / table["diffusion_cv"]
    return table


def predicted_counts(predicted: pd.DataFrame, window: float) -> np.ndarray:
    """A covariance prediction as count covariances in windows of ``window`` s: converted
    from cross-spectral densities (``attrs["window"]`` None), or checked to count the same
    window."""
    if predicted.attrs.get("window") is None:
        return count_covariance_from_spectrum(predicted.to_numpy(), window)
    if not np.isclose(predicted.attrs["window"], window):
        raise ParameterError(f"predicted counts windows of {predicted.attrs['window']} s, "
                             f"simulated of {window} s")
    return predicted.to_numpy()


def compare_covariances(predicted: pd.DataFrame, simulated: pd.DataFrame) -> pd.DataFrame:
    """Predicted and simulated spike-count covariances per pair of populations.

    Parameters
    ----------
    predicted : pandas.DataFrame
        N x N, indexed by (population, neuron):
        :func:`~balanced_models.core.predictions.covariance_prediction`, as cross-spectral
        densities (Hz, ``window=None``: converted here to the simulation's window) or as count
        covariances of the simulation's window.
    simulated : pandas.DataFrame
        The same neurons' count covariances (counts^2), the handles'
        ``count_covariances(window)`` (its ``attrs`` hold the window and the number of
        windows).

    Returns
    -------
    pandas.DataFrame
        One row per pair of populations ('E-E', 'E-I', ...): ``pairs``; the mean of the
        pairwise covariances (counts^2), ``predicted_mean`` and ``simulated_mean``; their
        spread across pairs, ``predicted_variance`` and ``simulated_variance`` (the
        simulated one corrected for estimation noise, as in Layer et al.); and
        ``correlation_pearson_r``, the Pearson correlation of predicted and simulated
        correlation coefficients of the pairs.

    Raises
    ------
    ParameterError
        If the tables do not cover the same neurons or their windows differ.
    """
    for name, table in (("predicted", predicted), ("simulated", simulated)):
        if not isinstance(table, pd.DataFrame) or not isinstance(table.index, pd.MultiIndex):
            raise ParameterError(f"{name} must be an N x N DataFrame indexed by (population, "
                                 "neuron)")
    if not predicted.index.equals(simulated.index):
        raise ParameterError("predicted and simulated must cover the same neurons in the same "
                             "order")
    windows = simulated.attrs.get("windows")
    if simulated.attrs.get("window") is None or windows is None:
        raise ParameterError("simulated must carry attrs 'window' and 'windows' (the handles' "
                             "count_covariances)")
    theory = predicted_counts(predicted, simulated.attrs["window"])
    measured = simulated.to_numpy()
    labels = predicted.index.get_level_values(0)
    populations = {p: np.flatnonzero(labels == p) for p in dict.fromkeys(labels)}
    th = pair_statistics(theory, np.inf, populations).set_index("pair")
    sim = pair_statistics(measured, windows, populations).set_index("pair")
    r_th, r_sim = correlation_from_covariance(theory), correlation_from_covariance(measured)
    rows = {}
    names = list(populations)
    for k, a in enumerate(names):
        for b in names[k:]:
            block = np.ix_(populations[a], populations[b])
            keep = ~np.eye(len(labels), dtype=bool)[block]
            x, y = r_th[block][keep], r_sim[block][keep]
            ok = np.isfinite(x) & np.isfinite(y)
            pair = a + b
            rows[f"{a}-{b}"] = {
                "pairs": int(sim.loc[pair, "n_pairs"]),
                "predicted_mean": th.loc[pair, "mean_cov"],
                "simulated_mean": sim.loc[pair, "mean_cov"],
                "predicted_variance": th.loc[pair, "var_cov"],
                "simulated_variance": sim.loc[pair, "var_cov"],
                "correlation_pearson_r": np.corrcoef(x[ok], y[ok])[0, 1]
                if ok.sum() > 2 else np.nan}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("pair")

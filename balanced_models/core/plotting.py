"""Theory over simulation for one network description: rates, ISI CVs, covariances; and a
check that a figure can be read."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from theory.errors import ParameterError, require_integer

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from .activity import RecordedActivity

__all__ = ["plot_rates", "plot_cvs", "plot_covariances", "plot_sweep", "layout_problems"]


def plot_rates(handles: RecordedActivity, population_table: pd.DataFrame | None = None,
               neuron_table: pd.DataFrame | None = None, *, start: float | None = None,
               stop: float | None = None, bins: int = 40) -> Figure:
    """Simulated rates of a run against the theory of the same description.

    Panels: per-population mean rates (simulated, with +-2 SE, beside each predicted
    column of ``population_table``); per-neuron predicted vs simulated rates (when
    ``neuron_table`` is given); the simulated rate histogram of each population with the
    predicted population rates as vertical lines.

    Parameters
    ----------
    handles : NetworkHandles
        A network that has run on any engine (:func:`balanced_models.simulate`).
    population_table : DataFrame, optional
        :func:`~balanced_models.core.predictions.population_prediction` (or any table indexed by
        population whose columns ending in ``_rate`` are rates in Hz).
    neuron_table : DataFrame, optional
        :func:`~balanced_models.core.predictions.neuron_prediction` of ``handles.connectivity``.
    start, stop : analysis window (s); default: the last 90 % of the run
    bins : histogram bins

    Returns
    -------
    matplotlib.figure.Figure
    """
    plt = _pyplot()
    rates = handles.rates(start, stop)
    if not rates:
        raise ParameterError("no spikes were recorded: set record=Recording(spikes=...)")
    simulated = handles.population_rates(start, stop)
    n_panels = 2 + (neuron_table is not None)
    fig, axes = plt.subplots(1, n_panels, figsize=(4.2 * n_panels, 3.6), layout="constrained")
    pops = list(rates)
    x = np.arange(len(pops))
    columns = [] if population_table is None else [c for c in population_table.columns
                                                   if c.endswith("_rate")]
    width = 0.8 / (1 + len(columns))
    ax = axes[0]
    ax.bar(x, simulated.loc[pops, "simulated_rate"], width,
           yerr=2 * simulated.loc[pops, "simulated_rate_se"], label="simulated")
    for k, column in enumerate(columns, start=1):
        ax.bar(x + k * width, population_table.reindex(pops)[column], width,
               label=column.replace("_rate", ""))
    ax.set_xticks(x + 0.4 - width / 2, pops)
    ax.set_ylabel("rate (Hz)")
    ax.legend(fontsize=8)
    ax.set_title("population rates")
    if neuron_table is not None:
        ax = axes[1]
        for pop in pops:
            predicted = neuron_table.loc[pop, "rate"].to_numpy()[:len(rates[pop])]
            ax.plot(predicted, rates[pop], ".", ms=2, label=pop)
        top = max(max(r.max() for r in rates.values()), neuron_table["rate"].max())
        ax.plot([0, top], [0, top], "k--", lw=0.8)
        ax.set_xlabel("predicted rate (Hz)")
        ax.set_ylabel("simulated rate (Hz)")
        ax.legend(fontsize=8, markerscale=4)
        ax.set_title("per neuron")
    ax = axes[-1]
    for k, pop in enumerate(pops):
        ax.hist(rates[pop], bins, histtype="step", color=f"C{k}", label=pop)
        for column, style in zip(columns, ("--", ":", "-.")):
            ax.axvline(population_table.loc[pop, column], color=f"C{k}", ls=style)
    ax.set_xlabel("rate (Hz)")
    ax.set_ylabel("neurons")
    ax.legend(fontsize=8)
    ax.set_title("rate histograms (lines: theory)")
    return fig


def _pyplot():
    import matplotlib
    if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_cvs(handles: RecordedActivity, population_table: pd.DataFrame | None = None, *,
             start: float | None = None, stop: float | None = None,
             bins: int = 40) -> Figure:
    """Simulated ISI CVs of a run against the theory of the same description.

    Panels: per-population mean CV (simulated, with +-2 SE, beside the predicted
    ``diffusion_cv``); the histogram of the neurons' CVs per population with the predicted
    CV as a vertical line.

    Parameters
    ----------
    handles : RecordedActivity
        A network that has run on any engine (:func:`balanced_models.simulate`).
    population_table : pandas.DataFrame, optional
        :func:`~balanced_models.core.predictions.population_prediction` (its
        ``diffusion_cv`` column).
    start, stop : float, optional
        Analysis window (s); default the last 90 % of the run.
    bins : int, optional
        Histogram bins. Default 40.

    Returns
    -------
    matplotlib.figure.Figure
        The figure (constrained layout).

    Raises
    ------
    ParameterError
        If no spikes were recorded.
    """
    plt = _pyplot()
    cvs = {p: c[np.isfinite(c)] for p, c in handles.cvs(start, stop).items()}
    if not cvs:
        raise ParameterError("no spikes were recorded: set record=Recording(spikes=...)")
    simulated = handles.population_cvs(start, stop)
    pops = list(cvs)
    x = np.arange(len(pops))
    fig, axes = plt.subplots(1, 2, figsize=(8.4, 3.6), layout="constrained")
    ax = axes[0]
    ax.bar(x - 0.2, simulated.loc[pops, "simulated_cv"], 0.4,
           yerr=2 * simulated.loc[pops, "simulated_cv_se"], label="simulated")
    if population_table is not None:
        ax.bar(x + 0.2, population_table.reindex(pops)["diffusion_cv"], 0.4, label="diffusion")
    ax.set_xticks(x, pops)
    ax.set(xlabel="population", ylabel="ISI CV", title="mean ISI CV")
    ax.legend(fontsize=8)
    ax = axes[1]
    for k, pop in enumerate(pops):
        ax.hist(cvs[pop], bins, histtype="step", color=f"C{k}", label=pop)
        if population_table is not None and np.isfinite(population_table.loc[pop,
                                                                              "diffusion_cv"]):
            ax.axvline(population_table.loc[pop, "diffusion_cv"], color=f"C{k}", ls="--")
    ax.set(xlabel="ISI CV", ylabel="neurons", title="CV histograms (lines: theory)")
    ax.legend(fontsize=8)
    return fig


def plot_covariances(predicted: pd.DataFrame, simulated: pd.DataFrame, *,
                     pairs: int = 5000, seed: int = 0) -> Figure:
    """Predicted against simulated spike-count covariances, per pair of populations.

    Panels: the mean covariance of each pair of populations, predicted and simulated
    (:func:`~balanced_models.core.comparisons.compare_covariances`); predicted against
    simulated covariances of up to ``pairs`` pairs of distinct neurons drawn at random.

    Parameters
    ----------
    predicted : pandas.DataFrame
        :func:`~balanced_models.core.predictions.covariance_prediction` (spectral densities
        or count covariances of the simulation's window).
    simulated : pandas.DataFrame
        The handles' ``count_covariances(window)``.
    pairs : int, optional
        Pairs drawn for the scatter (>= 1). Default 5000.
    seed : int, optional
        Seed of that draw. Default 0.

    Returns
    -------
    matplotlib.figure.Figure
        The figure (constrained layout).

    Raises
    ------
    ParameterError
        If the tables do not match (see compare_covariances) or ``pairs`` is below 1.
    """
    from .comparisons import compare_covariances, predicted_counts

    plt = _pyplot()
    pairs = require_integer("pairs", pairs, low=1)
    table = compare_covariances(predicted, simulated)
    theory = predicted_counts(predicted, simulated.attrs["window"])
    measured = simulated.to_numpy()
    fig, axes = plt.subplots(1, 2, figsize=(8.4, 3.6), layout="constrained")
    ax = axes[0]
    x = np.arange(len(table))
    ax.bar(x - 0.2, table["simulated_mean"], 0.4, label="simulated")
    ax.bar(x + 0.2, table["predicted_mean"], 0.4, label="theory")
    ax.set_xticks(x, table.index)
    ax.set(xlabel="pair of populations", ylabel="mean count covariance (counts$^2$)",
           title=f"{simulated.attrs['window']:g} s windows")
    ax.legend(fontsize=8)
    ax = axes[1]
    rng = np.random.default_rng(seed)
    n = len(theory)
    i, j = rng.integers(0, n, pairs), rng.integers(0, n, pairs)
    keep = i != j
    ax.plot(theory[i[keep], j[keep]], measured[i[keep], j[keep]], ".", ms=2)
    low, high = theory[i[keep], j[keep]].min(), theory[i[keep], j[keep]].max()
    ax.plot([low, high], [low, high], "k--", lw=0.8)
    ax.set(xlabel="predicted covariance (counts$^2$)",
           ylabel="simulated covariance (counts$^2$)", title="pairs of neurons")
    return fig


def _column_unit(table, column):
    units = table.attrs.get("units", {})
    if column in units:
        return units[column]
    name = column.split("_")[0] if not column.startswith(("predicted_", "balanced_")) \
        else column.split("_")[1]
    return "Hz" if name == "rate" else ""


def _label(name, unit):
    return f"{name} ({unit})" if unit else f"{name} (dimensionless)"


def plot_sweep(table: pd.DataFrame, column: str, *, x: str | None = None,
               y: str | None = None, ax=None, vmin: float | None = None,
               vmax: float | None = None):
    """A map of one column of a two-field sweep, averaged over seeds.

    Parameters
    ----------
    table : DataFrame
        Returned by :func:`~balanced_models.sweeps.sweep` over a grid of two fields (a
        one-field sweep is drawn as a line).
    column : str
        What to show, e.g. ``"rate_E"`` or ``"predicted_rate_E"``.
    x, y : str, optional
        The fields on the axes (default: the second swept field on x, the first on y).
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).
    vmin, vmax : float, optional
        The colour scale's ends, in the column's unit (default: the data's), e.g. one scale
        for a simulated and a predicted map.

    Returns
    -------
    matplotlib Axes

    Raises
    ------
    ParameterError
        If ``table`` is not a sweep's table or ``column`` is not one of its columns.
    """
    if not hasattr(table, "attrs") or "fields" not in table.attrs:
        raise ParameterError("plot_sweep needs the table that sweep() returned")
    if column not in table.columns:
        raise ParameterError(f"column must be one of the table's columns; got {column!r}")
    fields = list(table.attrs["fields"])
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(layout="constrained", figsize=(5, 3.8))
    units = table.attrs.get("units", {})
    if len(fields) == 1 and x is None and y is None:
        mean = table.groupby(fields[0])[column].mean()
        ax.plot(mean.index, mean.to_numpy(), "o-")
        ax.set_xlabel(_label(fields[0], units.get(fields[0], "")))
        ax.set_ylabel(_label(column, _column_unit(table, column)))
        return ax
    if len(fields) < 2 and (x is None or y is None):
        raise ParameterError("plot_sweep draws a map of two fields: give x and y")
    y = fields[0] if y is None else y
    x = (fields[1] if fields[1] != y else fields[0]) if x is None else x
    for name, value in (("x", x), ("y", y)):
        if value not in table.columns:
            raise ParameterError(f"{name} must be a swept field of the table; got {value!r}")
    grid = table.groupby([y, x])[column].mean().unstack(x)
    mesh = ax.pcolormesh(_edges(grid.columns.to_numpy(float)),
                         _edges(grid.index.to_numpy(float)), grid.to_numpy(float),
                         shading="flat", vmin=vmin, vmax=vmax)
    bar = ax.figure.colorbar(mesh, ax=ax)
    bar.set_label(_label(column, _column_unit(table, column)))
    ax.set_xlabel(_label(x, units.get(x, "")))
    ax.set_ylabel(_label(y, units.get(y, "")))
    return ax


def _edges(centres):
    """Cell edges around sorted grid values (midpoints; the outer cells as wide as their
    neighbours)."""
    if len(centres) == 1:
        return np.array([centres[0] - 0.5, centres[0] + 0.5])
    mid = (centres[1:] + centres[:-1]) / 2
    return np.concatenate([[2 * centres[0] - mid[0]], mid, [2 * centres[-1] - mid[-1]]])


def layout_problems(fig) -> list[str]:
    """What makes a figure hard to read: overlapping text, unlabelled axes, empty legends.

    The figure is drawn (with its own layout engine) and the window extent of every text it
    draws is compared with every other and with every other panel: titles, axis labels, the
    tick labels that are drawn, offset texts, legend entries and titles, and free text. Two
    extents overlap when they share more than one pixel in both directions.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure, complete, before it is saved.

    Returns
    -------
    list of str
        One sentence per problem, naming the texts (empty when there is none):

        - two texts that overlap;
        - a text that runs into a panel other than its own;
        - an axis that draws tick labels but has no label;
        - a legend without entries.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(layout="constrained")
    >>> _ = ax.set(xlabel="time (s)", ylabel="rate (Hz)")
    >>> layout_problems(fig)
    []
    """
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    drawn, problems = _drawn_texts(fig), []
    for ax in fig.get_axes():
        if not ax.get_visible():
            continue
        for axis, name in ((ax.xaxis, "x"), (ax.yaxis, "y")):
            shown = [t for tick in axis._update_ticks() for t in (tick.label1, tick.label2)
                     if t.get_visible() and t.get_text().strip()]
            drawn += shown if axis.get_visible() else []
            if axis.get_visible() and shown and not axis.label.get_text().strip():
                problems.append(f"{_where(ax)}: the {name} axis has tick labels but no label")
        legend = ax.get_legend()
        if legend is not None and not legend.get_texts():
            problems.append(f"{_where(ax)}: an empty legend")
    boxes = [(t, t.get_window_extent(renderer)) for t in drawn]
    for i, (a, box_a) in enumerate(boxes):
        for b, box_b in boxes[i + 1:]:
            if _intersect(box_a, box_b):
                problems.append(f"{a.get_text()!r} overlaps {b.get_text()!r}")
    panels = [ax for ax in fig.get_axes() if ax.get_visible()]
    for text, box in boxes:
        for ax in panels:
            if ax is not text.axes and _intersect(box, ax.bbox):
                problems.append(f"{text.get_text()!r} runs into {_where(ax)}")
    return problems


def _intersect(a, b):
    """Whether two window extents share more than one pixel in both directions."""
    return (min(a.x1, b.x1) - max(a.x0, b.x0) > 1) and (min(a.y1, b.y1) - max(a.y0, b.y0) > 1)


def _drawn_texts(artist):
    """The visible, non-empty texts under ``artist``, tick labels left out (the caller takes
    those that are drawn from each axis)."""
    from matplotlib.axis import Tick
    from matplotlib.text import Text

    texts = []
    for child in artist.get_children():
        if not child.get_visible() or isinstance(child, Tick):
            continue
        if isinstance(child, Text):
            if child.get_text().strip():
                texts.append(child)
        else:
            texts += _drawn_texts(child)
    return texts


def _where(ax):
    title = ax.get_title() or ax.get_title("left")
    return f"panel {title!r}" if title else "a panel"

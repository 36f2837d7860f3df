"""Theory over simulation for one network description, in one figure."""

import numpy as np

from theory.errors import ParameterError

__all__ = ["plot_rates"]


def plot_rates(handles, population_table=None, neuron_table=None, *, start=None, stop=None,
               bins=40):
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
    import matplotlib
    if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rates = handles.rates(start, stop)
    if not rates:
        raise ParameterError("no spikes were recorded: set record=Recording(spikes=...)")
    simulated = handles.population_rates(start, stop)
    n_panels = 2 + (neuron_table is not None)
    fig, axes = plt.subplots(1, n_panels, figsize=(4.2 * n_panels, 3.6))
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
    fig.tight_layout()
    return fig

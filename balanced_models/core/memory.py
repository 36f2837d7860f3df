"""How much memory a network needs on an engine, and a refusal before anything is allocated
when this machine does not have it.

The estimate counts what the engines store:

* **Brian2** (C++ standalone). Per synapse: the pre- and postsynaptic indices (4 + 4 B).
  Static synapses with one delay are delivered row by row from the presynaptic order in
  which the engine streams them, so the spike queue holds only the spiking neurons; a weight
  that differs between synapses adds 8 B. Brian2's own delivery (several delays, plastic
  synapses) adds the delays (8 B) and the queue's per-synapse list and delay (4 + 4 B); a
  plastic synapse adds its weight and last update (16 B) and the queues of its two pathways
  (4 + 4 B). The static figure is measured (the benchmarks page); the others are counted. While
  the network is built, Python holds the realisation's indices (int32, 8 B per synapse) and
  Brian2's code generation (``BRIAN2_BUILD_BYTES``); while the binary runs, Python keeps
  Brian2's objects (``BRIAN2_PYTHON_BYTES``) beside it.
* **NEST**: ``NEST_BYTES_PER_SYNAPSE`` per synapse at the peak, while the last projection
  is connected: NEST's connection and its source-table entry, the realisation the handles
  keep (8 B) and the arrays handed to ``nest.Connect`` (node ids, weights, delays); plastic
  synapses add ``NEST_PLASTIC_EXTRA`` (counted). Per neuron ``NEST_BYTES_PER_NEURON``.

Recorded spikes take 12 B each (index and time), at the theory's rate where it exists, else
at ``UNKNOWN_RATE`` Hz.

The constants that are not array sizes were measured on small networks
(benchmarks/memory_estimate.py, Brunel's model A with 1,000 inputs per neuron): Brian2's bases
on 2,000 neurons (2 million synapses); NEST's per-synapse peak and base from 2,000 and 4,000
neurons. The estimate is tested against measured peaks at 10, 20 and 40 million synapses
(the benchmarks page). NEST's per-synapse peak depends on how the synapses split into
projections (the arrays of the largest are transient); these networks' largest projection
holds 64 % of the synapses.
"""

from __future__ import annotations

from dataclasses import dataclass

from theory.errors import ParameterError, require_integer

from .description import ExplicitConnections, NetworkDescription

__all__ = ["MemoryEstimate", "memory_estimate", "check_memory", "available_bytes",
           "resident_bytes"]

BRIAN2_STATIC_SYNAPSE = 8
BRIAN2_PER_SYNAPSE_WEIGHT = 8
BRIAN2_PER_SYNAPSE_DELAY = 16
BRIAN2_PLASTIC_SYNAPSE = 24
BRIAN2_BYTES_PER_NEURON = 400
BRIAN2_BUILD_BYTES = 112 * 2**20
BRIAN2_PYTHON_BYTES = 107 * 2**20
BRIAN2_BINARY_BYTES = 6 * 2**20
NEST_BYTES_PER_SYNAPSE = 87
NEST_PLASTIC_EXTRA = 16
NEST_BYTES_PER_NEURON = 1000
NEST_BASE_BYTES = 60 * 2**20
SPIKE_BYTES = 12
UNKNOWN_RATE = 100.0  # Hz


@dataclass(frozen=True)
class MemoryEstimate:
    """What a network needs (bytes), by part.

    Attributes
    ----------
    engine : str
    synapses, neurons : int
        Expected numbers.
    bytes_per_synapse : float
        The engine's mean over the network's projections.
    synapse_bytes, neuron_bytes, recording_bytes : int
        The simulation's parts.
    build_bytes : int
        While the network is built (Brian2: the realisation, code generation).
    base_bytes : int
        The process that builds it (its resident memory when estimated) and the engine's own.
    total_bytes : int
        The peak: the base plus the larger of the build and the simulation.
    """

    engine: str
    synapses: int
    neurons: int
    bytes_per_synapse: float
    synapse_bytes: int
    neuron_bytes: int
    recording_bytes: int
    build_bytes: int
    base_bytes: int
    total_bytes: int

    def parts(self) -> dict:
        """{part: bytes}."""
        return dict(synapses=self.synapse_bytes, neurons=self.neuron_bytes,
                    recording=self.recording_bytes, build=self.build_bytes,
                    base=self.base_bytes, total=self.total_bytes)

    def describe(self) -> str:
        """One line: the estimate and its parts."""
        return (f"about {_gib(self.total_bytes)}: {self.synapses:,} synapses x "
                f"{self.bytes_per_synapse:.0f} B on {self.engine} = "
                f"{_gib(self.synapse_bytes)}, {self.neurons:,} neurons "
                f"{_gib(self.neuron_bytes)}, recording {_gib(self.recording_bytes)}, "
                f"building {_gib(self.build_bytes)}, this process and the engine "
                f"{_gib(self.base_bytes)}")


def _gib(n):
    return f"{n / 2**30:.2f} GiB" if n >= 2**30 else f"{n / 2**20:.0f} MiB"


def _proc_bytes(path, field):
    """A ``field: N kB`` line of a /proc file, in bytes; None where it is missing."""
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def resident_bytes() -> int:
    """This process's resident memory (bytes; 0 where /proc is missing)."""
    return _proc_bytes("/proc/self/status", "VmRSS") or 0


def available_bytes() -> int | None:
    """Memory this machine can still give (MemAvailable, bytes); None where unknown."""
    return _proc_bytes("/proc/meminfo", "MemAvailable")


def _expected_rates(d):
    """{population: rate (Hz)}: the diffusion theory's where it applies, else UNKNOWN_RATE."""
    try:
        from .predictions import population_prediction
        table = population_prediction(d)
        return {pop: float(r) if r == r else UNKNOWN_RATE
                for pop, r in table["diffusion_rate"].items()}
    except Exception:  # noqa: BLE001 - any failure of the theory means: no rate known
        return dict.fromkeys(d.populations, UNKNOWN_RATE)


def memory_estimate(description: NetworkDescription, duration: float | None = None, *,
                    engine: str = "brian2") -> MemoryEstimate:
    """The memory a network needs on an engine (module doc).

    Parameters
    ----------
    description : NetworkDescription
    duration : float, optional
        Simulated time (s), for the recorded spikes; None leaves them out.
    engine : {'brian2', 'nest'}

    Returns
    -------
    MemoryEstimate

    Raises
    ------
    ParameterError
        If an argument is not allowed.
    """
    if not isinstance(description, NetworkDescription):
        raise ParameterError(f"description must be a NetworkDescription; got "
                             f"{type(description).__name__}")
    if engine not in ("brian2", "nest"):
        raise ParameterError(f"engine must be 'brian2' or 'nest'; got {engine!r}")
    if duration is not None and not (isinstance(duration, (int, float)) and duration > 0
                                     and duration < float("inf")):
        raise ParameterError(f"duration must be a finite number > 0 (s) or None; got "
                             f"{duration!r}")
    d = description
    neurons = sum(p.size for p in d.populations.values())
    synapses, synapse_bytes = 0, 0
    for name, proj in d.projections.items():
        if isinstance(proj.rule, ExplicitConnections):
            n = len(proj.rule.source)
        else:
            mean = d.mean_indegree(name) * d.target_size(name)
            n = int(round(mean)) if mean == mean else 0
        synapses += n
        per = _bytes_per_synapse(engine, proj)
        synapse_bytes += n * per
    recording = 0
    if duration is not None:
        rates = _expected_rates(d)
        for pop, n in d.recorded_spikes().items():
            n = d.size(pop) if n is None else n
            recording += int(n * rates.get(pop, UNKNOWN_RATE) * duration * SPIKE_BYTES)
    base = resident_bytes()
    if engine == "brian2":
        neuron_bytes = neurons * BRIAN2_BYTES_PER_NEURON
        build = BRIAN2_BUILD_BYTES + 8 * synapses
        simulation = (BRIAN2_PYTHON_BYTES + BRIAN2_BINARY_BYTES + synapse_bytes + neuron_bytes
                      + recording)
    else:
        neuron_bytes = neurons * NEST_BYTES_PER_NEURON
        build = 0  # in the per-synapse peak
        simulation = NEST_BASE_BYTES + synapse_bytes + neuron_bytes + recording
    return MemoryEstimate(engine=engine, synapses=synapses, neurons=neurons,
                          bytes_per_synapse=synapse_bytes / synapses if synapses else 0.0,
                          synapse_bytes=int(synapse_bytes), neuron_bytes=int(neuron_bytes),
                          recording_bytes=int(recording), build_bytes=int(build),
                          base_bytes=int(base), total_bytes=int(base + max(build, simulation)))


def _bytes_per_synapse(engine, proj):
    varied_weight = proj.weight_cv > 0
    varied_delay = isinstance(proj.delay, tuple)
    if engine == "nest":
        return NEST_BYTES_PER_SYNAPSE + (NEST_PLASTIC_EXTRA if proj.plasticity else 0)
    per = BRIAN2_STATIC_SYNAPSE
    if proj.plasticity is not None:
        return per + BRIAN2_PLASTIC_SYNAPSE + (12 if varied_delay else 0)
    if varied_weight:
        per += BRIAN2_PER_SYNAPSE_WEIGHT
    if varied_delay:
        per += BRIAN2_PER_SYNAPSE_DELAY
    return per


def check_memory(description: NetworkDescription, duration: float | None = None, *,
                 engine: str = "brian2", copies: int = 1,
                 available: int | None = None) -> MemoryEstimate:
    """The estimate, or a ParameterError if ``copies`` of the network do not fit in the
    memory this machine has available (module doc).

    Parameters
    ----------
    description : NetworkDescription
    duration : float, optional
        Simulated time (s).
    engine : {'brian2', 'nest'}
    copies : int
        Networks held at once (a sweep's local workers).
    available : int, optional
        Bytes available (default: :func:`available_bytes`; unknown: no check).

    Returns
    -------
    MemoryEstimate

    Raises
    ------
    ParameterError
        If the network does not fit; the message gives the estimate, what is available and
        the ways out.
    """
    copies = require_integer("copies", copies, low=1)
    if available is not None:
        available = require_integer("available", available, low=0)
    estimate = memory_estimate(description, duration, engine=engine)
    available = available_bytes() if available is None else available
    if available is None:
        return estimate
    # the process's own resident memory is in use already: only the rest must fit
    needed = copies * (estimate.total_bytes - estimate.base_bytes)
    if needed > available:
        where = f"{copies} networks at once (one per worker)" if copies > 1 else "the network"
        raise ParameterError(
            f"{where} would need {_gib(needed)} beyond this process ({estimate.describe()}), "
            f"but this machine has {_gib(available)} available; ways out: NEST with MPI over "
            f"several machines (each holds its share of the synapses), fewer neurons or "
            f"fewer synapses (a smaller N or in-degree K)"
            + (", or fewer local workers" if copies > 1 else ""))
    return estimate

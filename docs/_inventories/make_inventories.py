"""Write the intersphinx inventories the documentation links through, without the network.

Sphinx reads ``docs/_inventories/NAME.inv`` (see ``intersphinx_mapping`` in ``docs/conf.py``):
objects.inv files in Sphinx's format (version 2) that list only the names this
documentation refers to, each with its address in that project's published documentation.
Run ``python docs/_inventories/make_inventories.py`` after adding a link to another name.
"""

import os
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))

#: project -> [(name, domain:role, address relative to the project's documentation root)]
ENTRIES = {
    "python": [
        ("float", "py:class", "library/functions.html#float"),
        ("int", "py:class", "library/functions.html#int"),
        ("str", "py:class", "library/stdtypes.html#str"),
        ("dict", "py:class", "library/stdtypes.html#dict"),
        ("list", "py:class", "library/stdtypes.html#list"),
        ("tuple", "py:class", "library/stdtypes.html#tuple"),
        ("bool", "py:class", "library/functions.html#bool"),
        ("concurrent.futures.Executor", "py:class",
         "library/concurrent.futures.html#concurrent.futures.Executor"),
    ],
    "numpy": [
        ("numpy.ndarray", "py:class", "reference/generated/numpy.ndarray.html#numpy.ndarray"),
        ("numpy.random.Generator", "py:class",
         "reference/random/generator.html#numpy.random.Generator"),
    ],
    "pandas": [
        ("pandas.DataFrame", "py:class",
         "reference/api/pandas.DataFrame.html#pandas.DataFrame"),
        ("pandas.Series", "py:class", "reference/api/pandas.Series.html#pandas.Series"),
    ],
    "matplotlib": [
        ("matplotlib.figure.Figure", "py:class",
         "api/_as_gen/matplotlib.figure.Figure.html#matplotlib.figure.Figure"),
    ],
    "brian2": [
        ("brian2.groups.neurongroup.NeuronGroup", "py:class",
         "reference/brian2.groups.neurongroup.NeuronGroup.html"
         "#brian2.groups.neurongroup.NeuronGroup"),
        ("brian2.synapses.synapses.Synapses", "py:class",
         "reference/brian2.synapses.synapses.Synapses.html#brian2.synapses.synapses.Synapses"),
        ("brian2.monitors.spikemonitor.SpikeMonitor", "py:class",
         "reference/brian2.monitors.spikemonitor.SpikeMonitor.html"
         "#brian2.monitors.spikemonitor.SpikeMonitor"),
        ("brian2.monitors.statemonitor.StateMonitor", "py:class",
         "reference/brian2.monitors.statemonitor.StateMonitor.html"
         "#brian2.monitors.statemonitor.StateMonitor"),
        ("brian2.core.network.Network", "py:class",
         "reference/brian2.core.network.Network.html#brian2.core.network.Network"),
    ],
    "nest": [
        ("nest.Create", "py:function",
         "ref_material/pynest_api/nest.lib.hl_api_nodes.html#nest.lib.hl_api_nodes.Create"),
        ("nest.Connect", "py:function",
         "ref_material/pynest_api/nest.lib.hl_api_connections.html"
         "#nest.lib.hl_api_connections.Connect"),
        ("nest.Simulate", "py:function",
         "ref_material/pynest_api/nest.lib.hl_api_simulation.html"
         "#nest.lib.hl_api_simulation.Simulate"),
    ],
    "neo": [
        ("neo.core.Segment", "py:class", "api_reference.html#neo.core.Segment"),
        ("neo.core.SpikeTrain", "py:class", "api_reference.html#neo.core.SpikeTrain"),
        ("neo.core.AnalogSignal", "py:class", "api_reference.html#neo.core.AnalogSignal"),
    ],
}


def write(project, entries):
    header = ("# Sphinx inventory version 2\n"
              f"# Project: {project}\n# Version: \n"
              "# The remainder of this file is compressed using zlib.\n").encode()
    body = "".join(f"{name} {role} 1 {address} -\n" for name, role, address in entries)
    with open(os.path.join(HERE, f"{project}.inv"), "wb") as f:
        f.write(header + zlib.compress(body.encode()))


if __name__ == "__main__":
    for project, entries in ENTRIES.items():
        write(project, entries)
        print(f"{project}.inv: {len(entries)} names")

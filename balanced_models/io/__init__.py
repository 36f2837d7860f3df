"""Recorded activity to and from the field's file formats: Neo (:mod:`.neo`) and NWB
(:mod:`.nwb`). The libraries are imported when a function is called."""

from .neo import from_neo, to_neo
from .nwb import read_nwb, write_nwb

__all__ = ["to_neo", "from_neo", "write_nwb", "read_nwb"]

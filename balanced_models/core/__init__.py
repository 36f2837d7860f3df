"""The engine-free model core: imports neither brian2 nor nest.

=================  ===========================================================================
module             what it holds
=================  ===========================================================================
``description``    NetworkDescription and its parts: plain SI data, validated, JSON round trip
``realisation``    realise(description, seed): the connectivity of every projection
``connectivity``   Connectivity (pre, post, weight, delay arrays) and the connection rules
``sources``        generated spike trains (correlated, given) on an engine's time grid
``activity``       recorded activity and its tables, shared by every engine's handles
``analysis``       statistics of spike trains: rates, CVs, counts, covariances
``predictions``    the theory of a description (an adapter onto ``theory``), pandas out
``fixed_points``   fixed points of plasticity rules with a rate target, from a description
``comparisons``    theory beside simulation in the same units: rates, CVs, count covariances
``plotting``       theory over simulation
``checks``         checks of the time step, random generators and plain SI numbers
=================  ===========================================================================
"""

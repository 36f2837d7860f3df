"""The papers' Brian2 builders: each paper's description (:mod:`balanced_models.papers`) built
with the Brian2 engine, with the extra recordings and formulations its reproduction uses."""

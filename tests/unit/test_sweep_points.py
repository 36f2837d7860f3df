"""Dotted paths into a description, and the points of a sweep (engine-free)."""

import numpy as np
import pytest

import balanced_models as bm
from balanced_models.core.sweep_points import (field_unit, field_value, point_description,
                                               sweep_points)
from balanced_models.papers.brunel import BrunelParameters, model_a
from theory.errors import ParameterError

P = BrunelParameters(N_E=400, epsilon=0.1)


@pytest.fixture
def net():
    return model_a(5.0, 2.0, P)


def test_a_grid_is_every_combination_first_field_slowest():
    fields, points = sweep_points({"a.x": [1, 2], "b.y": np.array([10.0, 20.0, 30.0])})
    assert fields == ["a.x", "b.y"]
    assert [(p["a.x"], p["b.y"]) for p in points] == [(1, 10.0), (1, 20.0), (1, 30.0),
                                                      (2, 10.0), (2, 20.0), (2, 30.0)]
    assert all(type(p["b.y"]) is float for p in points)  # plain numbers, not numpy's


def test_linked_fields_take_one_value_together():
    fields, points = sweep_points({("p.a", "p.b"): [1.0, 2.0], "q": [3.0]})
    assert fields == ["p.a", "q"]
    assert points == [{"p.a": 1.0, "p.b": 1.0, "q": 3.0}, {"p.a": 2.0, "p.b": 2.0, "q": 3.0}]


def test_a_list_gives_its_points():
    fields, points = sweep_points([{"a": 1.0, "b": 2.0}, {"b": 4.0, "a": 3.0}])
    assert fields == ["a", "b"] and points[1] == {"a": 3.0, "b": 4.0}


@pytest.mark.parametrize("over, words", [
    ({}, "at least one field"),
    ({"a": []}, "non-empty list"),
    ({"a": 3.0}, "non-empty list"),
    ({"a": [1.0, float("nan")]}, "finite"),
    ({"a": [float("inf")]}, "finite"),
    ({"a..b": [1.0]}, "dotted path"),
    ([{"a": 1}, {"b": 2}], "same fields"),
    ([], "non-empty list"),
    ({"a": [object()]}, "numbers, strings"),
])
def test_bad_points_are_refused_with_the_reason(over, words):
    with pytest.raises(ParameterError, match=words):
        sweep_points(over)


def test_paths_reach_every_kind_of_field(net):
    assert field_value(net, "projections.I->E.weight") == pytest.approx(-5 * P.J)
    assert field_value(net, "drives.E.rate") == net.drives["E"][0].rate
    assert field_value(net, "drives.E.0.rate") == net.drives["E"][0].rate
    assert field_value(net, "populations.E.neuron.tau_ref") == P.tau_ref
    assert field_value(net, "populations.E.size") == P.N_E
    assert field_value(net, "dt") == P.dt


def test_a_point_is_a_new_checked_description(net):
    new = point_description(net, {"projections.I->E.weight": -0.4e-3, "drives.E.rate": 7.0,
                                  "populations.I.neuron.tau_ref": 1e-3,
                                  "populations.E.size": 300})
    assert new.projections["I->E"].weight == -0.4e-3
    assert new.projections["I->I"] == net.projections["I->I"]
    assert new.drives["E"][0].rate == 7.0 and new.drives["I"] == net.drives["I"]
    assert new.populations["I"].neuron.tau_ref == 1e-3
    assert new.populations["E"].size == 300
    assert net.projections["I->E"].weight == pytest.approx(-5 * P.J)  # not mutated
    assert isinstance(new, bm.NetworkDescription)


@pytest.mark.parametrize("point, words", [
    ({"projections.X->E.weight": 1.0}, "no entry 'X->E'"),
    ({"drives.E.speed": 1.0}, "'speed' is neither.*nor a field"),
    ({"drives.E.rate": -1.0}, "drives.E.rate.*rate"),
    ({"populations.E.neuron.tau_ref.x": 1.0}, "is a value"),
    ({"populations.E.size": 0}, "size"),
])
def test_a_bad_path_or_value_names_it(net, point, words):
    with pytest.raises(ParameterError, match=words):
        point_description(net, point)


def test_several_drives_are_named_by_channel_or_position():
    cell = bm.Neuron(synapse="current_exp", channels={"e": {"tau": 5e-3}, "i": {"tau": 5e-3}})
    d = bm.NetworkDescription(
        populations={"E": bm.Population(10, cell)},
        drives={"E": (bm.PoissonDrive(10, 5.0, 1e-4, channel="e"),
                      bm.PoissonDrive(10, 5.0, -1e-4, channel="i"))})
    assert point_description(d, {"drives.E.i.rate": 9.0}).drives["E"][1].rate == 9.0
    assert point_description(d, {"drives.E.0.rate": 8.0}).drives["E"][0].rate == 8.0
    with pytest.raises(ParameterError, match="2 drives"):
        point_description(d, {"drives.E.rate": 1.0})


def test_units_for_labels(net):
    assert field_unit(net, "projections.I->E.weight") == "V"
    assert field_unit(net, "drives.E.rate") == "Hz"
    assert field_unit(net, "populations.E.neuron.tau_ref") == "s"
    assert field_unit(net, "populations.E.size") == ""

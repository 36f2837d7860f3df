"""Every value the theory leaves out of ``population_prediction`` has a reason: the table
always has the same columns, and where a theory gives no value its reason column says why.
One test per reason."""

import pytest

import balanced_models as bm

CELL = bm.Neuron(tau_m=0.02, V_th=0.02, V_r=0.01, tau_ref=0.002)
COLUMNS = ["diffusion_rate", "diffusion_cv", "mu", "sigma", "diffusion_reason",
           "balanced_rate", "balanced_reason"]


def network(populations, projections, drives, sources=None, size=400):
    """A description from {name: neuron}, {"a->b": (K, J)} and {pop: (K, J, rate)}; the
    channel of an input is 'e' or 'i' by the sign of its weight."""
    def channel(J):
        return "e" if J > 0 else "i"

    return bm.NetworkDescription(
        {p: bm.Population(size, neuron) for p, neuron in populations.items()},
        projections={name: bm.Projection(bm.FixedInDegree(K), J, delay=1e-3, channel=channel(J))
                     for name, (K, J) in projections.items()},
        drives={p: bm.PoissonDrive(K, rate, J, channel=channel(J))
                for p, (K, J, rate) in drives.items()},
        sources=sources or {})


def table(description):
    t = bm.population_prediction(description)
    # no column disappears (conductance networks add the mean_potential the balanced
    # state was evaluated at)
    assert [c for c in t.columns if c != "mean_potential"] == COLUMNS
    return t


def test_a_covered_network_has_every_value_and_no_reason():
    # Zhu et al.'s mean-field matrices (brief sec. 4.2): balanced rates 8.33 and 20.83 Hz
    t = table(network({"E": CELL, "I": CELL},
                      {"E->E": (28, 1e-4), "I->E": (40, -1e-4), "E->I": (96, 1e-4),
                       "I->I": (60, -1e-4)},
                      {"E": (60, 1e-4, 10.0), "I": (45, 1e-4, 10.0)}))
    assert t["balanced_rate"].to_numpy() == pytest.approx([8.3333, 20.8333], rel=1e-4)
    assert t["diffusion_rate"].notna().all()
    assert (t["diffusion_reason"] == "").all() and (t["balanced_reason"] == "").all()


def test_proportional_input_names_the_populations():
    # Brunel's model A: E and I receive identical input
    exc, inh = (200, 0.1e-3), (50, -0.5e-3)
    t = table(network({"E": CELL, "I": CELL},
                      {"E->E": exc, "E->I": exc, "I->E": inh, "I->I": inh},
                      {"E": (200, 0.1e-3, 100.0), "I": (200, 0.1e-3, 100.0)}))
    assert t["balanced_rate"].isna().all()
    assert (t["balanced_reason"] == "singular balanced equations: populations E and I "
                                    "receive proportional input").all()
    assert t["diffusion_rate"].notna().all()


def test_a_singular_system_without_proportional_rows_gives_the_rank():
    # row R = row P + row Q (recurrent and external input), no two rows proportional
    t = table(network({"P": CELL, "Q": CELL, "R": CELL},
                      {"P->P": (10, 1e-4), "Q->P": (10, -2e-4),
                       "P->Q": (10, 2e-4), "R->Q": (10, -1e-4),
                       "P->R": (10, 3e-4), "Q->R": (10, -2e-4), "R->R": (10, -1e-4)},
                      {"P": (10, 1e-4, 50.0), "Q": (10, 2e-4, 50.0), "R": (10, 3e-4, 50.0)}))
    assert t["balanced_rate"].isna().all()
    assert (t["balanced_reason"] == "singular balanced equations: W has rank 2 of 3").all()


def test_a_non_positive_balanced_solution_says_which_population():
    # -W^-1 I = (-1, -1) (units of the drive rate) for W = [[2, -1], [3, -1]], I = [1, 2]
    t = table(network({"E": CELL, "I": CELL},
                      {"E->E": (20, 1e-4), "I->E": (10, -1e-4), "E->I": (30, 1e-4),
                       "I->I": (10, -1e-4)},
                      {"E": (10, 1e-4, 1.0), "I": (20, 1e-4, 1.0)}))
    assert t["balanced_rate"].isna().all()
    reason = t["balanced_reason"].iloc[0]
    assert reason.startswith("no balanced state: the balanced equations give a non-positive "
                             "rate to E (-1 Hz), I (-1 Hz)"), reason


EIF = dict(spike="eif", tau_m=0.015, E_L=-0.072, V_th=-0.05, V_r=-0.075, V_T=-0.055,
           Delta_T=0.001)


def test_eif_current_neurons_get_rates_and_the_missing_cv_has_a_reason():
    eif = bm.Neuron(synapse="current_exp", channels={"e": {"tau": 0.005}, "i": {"tau": 0.005}},
                    **EIF)
    t = table(network({"E": eif, "I": eif},
                      {"E->E": (28, 1e-3), "I->E": (40, -1e-3), "E->I": (96, 1e-3),
                       "I->I": (60, -1e-3)},
                      {"E": (60, 1e-3, 100.0), "I": (45, 1e-3, 100.0)}))
    assert t[["diffusion_rate", "mu", "sigma", "balanced_rate"]].notna().all().all()
    assert (t["diffusion_rate"] > 0).all()
    assert t["diffusion_cv"].isna().all()
    assert (t["diffusion_reason"] == "diffusion_cv: no ISI CV for EIF neurons with synaptic "
                                     "filtering (the rates are the colored-noise Fokker-Planck "
                                     "rates)").all()


@pytest.mark.parametrize("spike", ["eif", "lif"])
def test_exponential_conductances_get_rates_and_the_missing_cv_has_a_reason(spike):
    params = EIF if spike == "eif" else dict(tau_m=0.015, E_L=-0.072, V_th=-0.055, V_r=-0.075)
    cell = bm.Neuron(synapse="conductance_exp", channels={"e": {"tau": 0.005, "E": 0.0},
                                                          "i": {"tau": 0.005, "E": -0.08}},
                     **params)
    t = table(network({"E": cell}, {"E->E": (20, 0.01)},
                      {"E": (100, 0.05, 10.0)}))
    assert t[["diffusion_rate", "mu", "sigma"]].notna().all().all()
    assert t["diffusion_cv"].isna().all()
    assert (t["diffusion_reason"] == f"diffusion_cv: no ISI CV for {spike.upper()} neurons "
                                     "with synaptic filtering (the rates are the colored-noise "
                                     "Fokker-Planck rates)").all()


def test_input_without_noise_is_named():
    cell = bm.Neuron(synapse="conductance_exp", channels={"e": {"tau": 0.005, "E": 0.0}},
                     **EIF)
    t = table(network({"E": cell, "F": cell}, {}, {"E": (100, 0.05, 10.0)}))
    assert (t["diffusion_reason"] == "diffusion_prediction: population 'F' receives no input "
                                     "noise (no Poisson input)").all()


def test_mixed_models_are_named():
    eif = bm.Neuron(synapse="current_exp", channels={"e": {"tau": 0.005}}, **EIF)
    lif = bm.Neuron(synapse="current_exp", tau_m=0.02, V_th=0.02, V_r=0.01,
                    channels={"e": {"tau": 0.005}})
    t = table(network({"E": eif, "I": lif}, {"E->I": (20, 1e-4)}, {"E": (60, 1e-3, 10.0)}))
    assert t[["diffusion_rate", "diffusion_cv", "mu", "sigma"]].isna().all().all()
    assert (t["diffusion_reason"] == "diffusion_prediction needs all populations of one model "
                                     "(spike and synapse); got {'E': 'eif/current_exp', "
                                     "'I': 'lif/current_exp'}").all()


def test_several_synaptic_time_constants_get_an_effective_one_per_population():
    """Channels with 2 and 8 ms synapses: the population-level theory uses an effective time
    constant (theory.lif.effective_synaptic_time_constant); the neuron-level theory still
    needs one time constant and says so."""
    two = bm.Neuron(synapse="current_exp", tau_m=0.02, V_th=0.02, V_r=0.01, tau_ref=0.002,
                    channels={"e": {"tau": 0.002}, "i": {"tau": 0.008}})
    d = network({"E": two}, {"E->E": (20, 1e-4)}, {"E": (100, 1e-4, 200.0)})
    t = table(d)
    assert t["diffusion_rate"].notna().all() and (t["diffusion_reason"] == "").all()
    # only the e channel carries input here: the effective time constant is its 2 ms
    one = bm.Neuron(synapse="current_exp", tau_m=0.02, V_th=0.02, V_r=0.01, tau_ref=0.002,
                    channels={"e": {"tau": 0.002}, "i": {"tau": 0.002}})
    t_one = table(network({"E": one}, {"E->E": (20, 1e-4)}, {"E": (100, 1e-4, 200.0)}))
    assert t["diffusion_rate"].iloc[0] == pytest.approx(t_one["diffusion_rate"].iloc[0],
                                                        rel=1e-9)
    with pytest.raises(bm.TheoryNotApplicable, match="synaptic time constants"):
        bm.neuron_prediction(d, bm.realise(d, 0))


def test_mixed_current_and_conductance_populations_have_no_balanced_state_here():
    conductance = bm.Neuron(synapse="conductance_jump", tau_m=0.02, E_L=-0.07, V_th=-0.05,
                            V_r=-0.06, channels={"e": {"E": 0.0}, "i": {"E": -0.08}})
    t = table(network({"E": CELL, "C": conductance},
                      {"E->C": (10, 0.01), "C->E": (10, 1e-4)},
                      {"E": (10, 1e-4, 100.0), "C": (10, 0.01, 100.0)}))
    assert t["balanced_rate"].isna().all()
    assert (t["balanced_reason"] == "balanced_prediction needs all populations current-based "
                                    "or all conductance-based").all()
    assert t["diffusion_reason"].iloc[0] == (
        "diffusion_prediction needs all populations of one model (spike and synapse); got "
        "{'E': 'lif/delta', 'C': 'lif/conductance_jump'}")


def test_given_spike_trains_and_explicit_connections_are_named():
    given = network({"E": CELL}, {"G->E": (2, 1e-4)}, {"E": (100, 1e-4, 200.0)},
                    sources={"G": bm.SpikeTrainSource(5, [0, 1], [0.01, 0.02])})
    t = table(given)
    assert "source 'G' gives spikes, not a stationary rate" in t["diffusion_reason"].iloc[0]
    assert "source 'G' gives spikes" in t["balanced_reason"].iloc[0]
    explicit = bm.NetworkDescription(
        {"E": bm.Population(10, CELL)},
        projections={"E->E": bm.Projection(bm.ExplicitConnections([0, 1], [1, 2]), 1e-4,
                                           channel="e")},
        drives={"E": bm.PoissonDrive(100, 200.0, 1e-4, channel="e")})
    t = table(explicit)
    assert "projections['E->E'] has explicit connections" in t["diffusion_reason"].iloc[0]


def test_invalid_input_still_raises():
    with pytest.raises(bm.ParameterError, match="description must be a NetworkDescription"):
        bm.population_prediction("not a description")
    with pytest.raises(bm.TheoryNotApplicable, match="needs LIF neurons"):
        eif = bm.Neuron(synapse="current_exp", channels={"e": {"tau": 0.005}}, **EIF)
        d = network({"E": eif}, {"E->E": (20, 1e-3)}, {"E": (100, 1e-3, 20.0)})
        bm.neuron_prediction(d, bm.realise(d, 0))


@pytest.mark.parametrize("K, a", [(100, 8.8e-3), (1000, 1.6e-3)])
def test_a_conductance_jump_network_gets_the_etc_working_point(K, a):
    """Sanzeni et al.'s network from its description: the ETC rate of the description's
    working point is the brief's self-consistent ETC rate (theory.conductance)."""
    from balanced_models.papers.sanzeni import NetworkParameters, description
    from theory.conductance import network_rates

    t = table(description(NetworkParameters(K=K, a=a, N_E=max(1000, K), N_I=max(1000, K),
                                            N_X=max(1000, K))))
    expected = network_rates(a, K, 20.0, 0.25, 25.0, "ETC")[-1]
    assert t["diffusion_rate"].to_numpy() == pytest.approx([expected, expected], rel=1e-8)
    assert (t["diffusion_reason"] == "").all()


def test_exact_conductance_jumps_are_named():
    exact = bm.Neuron(synapse="conductance_jump", tau_m=0.02, E_L=-0.07, V_th=-0.05, V_r=-0.06,
                      channels={"e": {"E": 0.0}, "i": {"E": -0.08}}, jump="exact")
    t = table(network({"E": exact}, {"E->E": (10, 0.01)}, {"E": (10, 0.01, 100.0)}))
    assert t["diffusion_reason"].iloc[0] == ("diffusion_prediction: population 'E' has exact "
                                             "conductance jumps; the ETC theory here takes "
                                             "linear jumps")

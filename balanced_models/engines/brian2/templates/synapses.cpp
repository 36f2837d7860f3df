{# balanced_models: compressed-row delivery (delivery.py). One thread, one delay per pathway,
   static synapses: the queue holds the spiking source neurons (synapses_push_spikes.cpp), and
   each one's synapses are delivered as one row. Rows are contiguous where the synapses were
   created in presynaptic order (the engine's streamed connectivity); otherwise through a
   permutation built once. #}
{% extends 'common_synapses.cpp' %}

{% block maincode %}
    {# USES_VARIABLES { _synaptic_pre } #}
    const size_t _vectorisation_idx = -1;
    {{scalar_code|autoindent}}

    static std::vector<int32_t> _bm_row, _bm_order;
    static size_t _bm_built_for = (size_t)-1;
    static bool _bm_sorted = true;
    CSpikeQueue* const _bm_queue = {{pathway.name}}.queue[0];
    const size_t _bm_total = {{_dynamic__synaptic_pre}}.size();
    if (_bm_total != _bm_built_for) {
        const int32_t* _bm_pre = _bm_total ? &{{_dynamic__synaptic_pre}}[0] : 0;
        const int32_t _bm_first = _bm_queue->source_start;
        const int32_t _bm_n_rows = _bm_queue->source_end - _bm_first;
        _bm_row.assign(_bm_n_rows + 1, 0);
        _bm_sorted = true;
        for (size_t _s = 0; _s < _bm_total; _s++) {
            _bm_row[_bm_pre[_s] - _bm_first + 1]++;
            if (_s > 0 && _bm_pre[_s] < _bm_pre[_s - 1])
                _bm_sorted = false;
        }
        for (int32_t _r = 0; _r < _bm_n_rows; _r++)
            _bm_row[_r + 1] += _bm_row[_r];
        _bm_order.clear();
        if (!_bm_sorted) {
            std::vector<int32_t> _bm_next(_bm_row.begin(), _bm_row.end() - 1);
            _bm_order.resize(_bm_total);
            for (size_t _s = 0; _s < _bm_total; _s++)
                _bm_order[_bm_next[_bm_pre[_s] - _bm_first]++] = (int32_t)_s;
        }
        _bm_built_for = _bm_total;
    }

    const std::vector<int32_t> &_bm_neurons = *(_bm_queue->peek());
    const size_t _bm_n = _bm_neurons.size();
    for (size_t _k = 0; _k < _bm_n; _k++) {
        const int32_t _bm_r = _bm_neurons[_k];
        const int32_t _bm_end = _bm_row[_bm_r + 1];
        if (_bm_sorted) {
            for (int32_t _s = _bm_row[_bm_r]; _s < _bm_end; _s++) {
                const size_t _idx = _s;
                const size_t _vectorisation_idx = _idx;
                {{vector_code|autoindent}}
            }
        } else {
            for (int32_t _s = _bm_row[_bm_r]; _s < _bm_end; _s++) {
                const size_t _idx = _bm_order[_s];
                const size_t _vectorisation_idx = _idx;
                {{vector_code|autoindent}}
            }
        }
    }
{% endblock %}

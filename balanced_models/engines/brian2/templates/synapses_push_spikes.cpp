{# balanced_models: the push of compressed-row delivery (delivery.py). One thread, one delay
   per pathway: the queue slot of a delay holds the spiking source neurons (relative to the
   source's start), not their synapses; synapses.cpp delivers each neuron's row. #}
{# USES_VARIABLES { _n_sources, _n_targets, delay, _source_dt} #}
{% extends 'common_group.cpp' %}

{% block before_code %}
    {% set scalar = c_data_type(variables['delay'].dtype) %}
    std::vector<{{scalar}}> &_bm_delays = {{get_array_name(variables['delay'], access_data=False)}};
    CSpikeQueue* const _bm_queue = {{owner.name}}.queue[0];
    const double _bm_dt = {{_source_dt}};
    const int _bm_delay = _bm_delays.empty() ? 0 : (int)(_bm_delays[0] / _bm_dt + 0.5);
    for (size_t _k = 1; _k < _bm_delays.size(); _k++)
        if ((int)(_bm_delays[_k] / _bm_dt + 0.5) != _bm_delay) {
            std::cerr << "{{owner.name}}: compressed-row delivery needs one delay" << std::endl;
            std::exit(1);
        }
    {{owner.name}}.Nsource = {{constant_or_scalar('_n_sources', variables['_n_sources'])}};
    {{owner.name}}.Ntarget = {{constant_or_scalar('_n_targets', variables['_n_targets'])}};
    if (_bm_queue->delays == NULL)
        _bm_queue->delays = new int[1];
    _bm_queue->delays[0] = _bm_delay;
    _bm_queue->dt = _bm_dt;
    _bm_queue->ensure_delay(_bm_delay);
    _bm_queue->scalar_delay = true;
{% endblock %}

{% block maincode %}
    {% set _eventspace = get_array_name(eventspace_variable) %}
    CSpikeQueue* const _bm_queue = {{owner.name}}.queue[0];
    _bm_queue->advance();
    std::vector<int32_t> &_bm_slot = _bm_queue->queue[
        (_bm_queue->offset + _bm_queue->delays[0]) % _bm_queue->queue.size()];
    const int32_t _bm_n = {{_eventspace}}[_num{{eventspace_variable.name}} - 1];
    const int32_t _bm_start = _bm_queue->source_start, _bm_stop = _bm_queue->source_end;
    for (int32_t _k = 0; _k < _bm_n; _k++) {
        const int32_t _bm_i = {{_eventspace}}[_k];
        if (_bm_i >= _bm_start && _bm_i < _bm_stop)
            _bm_slot.push_back(_bm_i - _bm_start);
    }
{% endblock %}

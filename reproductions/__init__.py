"""Per-paper reproductions: ``python -m reproductions PAPER --scale quick|full --out DIR``.

Each paper module provides ``run(scale, report, force)``; it adds checks, figures
and tables to the :class:`~reproductions.report.Report`.
"""

#: paper name -> module (only papers that exist are listed; ``all`` runs these)
PAPERS = {
    "siegert": "reproductions.siegert",
    "schuenemann": "reproductions.schuenemann",
    "sanzeni": "reproductions.sanzeni",
    "zhu": "reproductions.zhu",
    "layer": "reproductions.layer",
    "akil": "reproductions.akil",
    "crosssim": "reproductions.crosssim",
    "brunel": "reproductions.brunel",
}

SCALES = ("quick", "full")

#: cold wall times (s) measured for the README's quick and full tables (2 cores), the estimate of
#: the time left until a paper has run once into an output folder (then its own last time, if
#: that run computed every point)
EXPECTED_SECONDS = {"quick": {"siegert": 40, "schuenemann": 40, "sanzeni": 120, "zhu": 98,
                              "layer": 153, "akil": 154, "crosssim": 692, "brunel": 163},
                    "full": {"brunel": 1291, "layer": 2537, "akil": 1286, "sanzeni": 4540, "zhu": 2124,
                             "schuenemann": 406, "crosssim": 2703,
                             # three resumed segments, each to its last saved point (6450 s),
                             # with the sigma = 8 mV pair as rerun with the wider table sampler
                             "siegert": 5360}}

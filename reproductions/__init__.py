"""Per-paper reproductions: ``python -m reproductions PAPER --scale quick|full --out DIR``.

Each paper module provides ``run(scale, report, processes, force)``; it adds checks, figures
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
}

#: papers with an open issue but no module yet (named in the error for a clearer message)
PLANNED = ()

SCALES = ("quick", "full")

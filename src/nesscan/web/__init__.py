"""``nesscan serve``: a local web application over the predictor and a finished screen.

Modules, as the data flows: :mod:`~nesscan.web.predict` (pasted text -> scored proteins),
:mod:`~nesscan.web.screens` (screen folders -> candidate tables and window tracks),
:mod:`~nesscan.web.track` (scores -> the SVG track and highlighted sequence of a page),
:mod:`~nesscan.web.pages` (the HTML pages), :mod:`~nesscan.web.api` (the JSON API and CSV
downloads), :mod:`~nesscan.web.common` (what those two share),
:mod:`~nesscan.web.app` (the Starlette application: routes, limits and errors).
"""

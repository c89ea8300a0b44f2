"""`impact serve`: a local web page over the library (the optional extra `impact[web]`).

`service` answers the page's questions with the library and imports no web framework;
`app` is the Starlette application around it; `static/` holds the page's own HTML, CSS and
JS (the charts use the Vega builds vendored in `impact/reports/static/`).
"""

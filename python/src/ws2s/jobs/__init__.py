"""Jobs the bridge can run by name: ``ws2s.jobs.<name>(params, emit)``.

A job takes a JSON-like ``params`` dict and an ``emit`` callable (see ``ws2s.events``) and returns a
JSON-serialisable result. Jobs are registered in ``JOBS`` so the bridge and the CLI share one list.
"""

JOBS: dict = {}


def register(name):
    def deco(fn):
        JOBS[name] = fn
        return fn

    return deco

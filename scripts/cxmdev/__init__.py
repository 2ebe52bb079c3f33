"""cxm's developer stack: the supervisor behind `make run`, `make test` and `make bench`.

Standard library only, so it runs before (and without) the project's dependencies.
"""
